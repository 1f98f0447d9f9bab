package dev.halo.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The heap used, as {@code jcmd GC.heap_info} prints it for each collector and JDK. */
class OperatorProcessTest {
  @Test
  void theSerialCollectorsHeapIsItsYoungAndTenuredGenerations() {
    String info =
        """
        3656:
         def new generation   total 19648K, used 14431K [0x00000000fc000000, 0x00000000fd550000)
          eden space 17472K,  82% used [0x00000000fc000000, 0x00000000fce17d38)
          from space 2176K,   0% used [0x00000000fd110000, 0x00000000fd110000)
         tenured generation   total 43712K, used 1000K [0x00000000fd550000, 0x0000000100000000)
           the space 43712K,   2% used [0x00000000fd550000, 0x00000000fd550000)
         Metaspace       used 8915K, committed 9088K, reserved 1114112K
          class space    used 1062K, committed 1152K, reserved 1048576K
        """;

    assertThat(OperatorProcess.heapUsedKib(info)).isEqualTo(15431);
  }

  @Test
  void g1sHeapIsItsOneLineOnJdk17AndJdk25() {
    String jdk17 =
        """
         garbage-first heap   total 65536K, used 7529K [0x00000000fc000000, 0x0000000100000000)
          region size 1024K, 5 young (5120K), 1 survivors (1024K)
         Metaspace       used 8926K, committed 9088K, reserved 1114112K
        """;
    String jdk25 =
        """
         garbage-first heap   total reserved 366592K, committed 24576K, used 14510K [0x0, 0x1)
         Metaspace       used 8926K, committed 9088K, reserved 1114112K
        """;

    assertThat(OperatorProcess.heapUsedKib(jdk17)).isEqualTo(7529);
    assertThat(OperatorProcess.heapUsedKib(jdk25)).isEqualTo(14510);
  }

  @Test
  void anAnswerWithoutHeapFiguresIsAnError() {
    assertThatThrownBy(() -> OperatorProcess.heapUsedKib("12345:\nno such process\n"))
        .isInstanceOf(IllegalStateException.class);
  }
}
