package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The agent writes {@code /status} by hand as Jackson did: the golden strings are what Jackson
 * 2.20's {@code ObjectMapper} wrote for these statuses (the first two from a running agent) before
 * the agent dropped it; Jackson stays in the tests to compare any value and any component added
 * since.
 */
class JsonTest {
  private static final ObjectMapper JACKSON = new ObjectMapper();

  private static final String MASTER =
      "{\"member\":\"we\\\"ird-0\",\"role\":\"master\",\"term\":2,"
          + "\"validUntil\":\"2026-12-07T03:29:25.250Z\",\"leader\":\"we\\\"ird-0\","
          + "\"leaderRevision\":2,\"leaseId\":\"390da24e8c53c306\","
          + "\"key\":\"/halo/t/g/election/390da24e8c53c306\",\"createRevision\":2,"
          + "\"deadlineRemainingMs\":3692,\"eligible\":true,\"etcdReachable\":true,"
          + "\"phase\":\"campaigning\",\"leaseTtlSeconds\":5,\"etcdFailure\":\"\","
          + "\"etcdFailureMessage\":\"\"}";
  private static final String STANDBY =
      "{\"member\":\"b-1\",\"role\":\"standby\",\"term\":4,\"validUntil\":null,"
          + "\"leader\":\"we\\\"ird-0\",\"leaderRevision\":4,\"leaseId\":\"390da24e8c53c310\","
          + "\"key\":\"/halo/t/g/election/390da24e8c53c310\",\"createRevision\":5,"
          + "\"deadlineRemainingMs\":3336,\"eligible\":true,\"etcdReachable\":true,"
          + "\"phase\":\"campaigning\",\"leaseTtlSeconds\":5,\"etcdFailure\":\"\","
          + "\"etcdFailureMessage\":\"\"}";
  private static final String UNREACHABLE =
      "{\"member\":\"web-2\",\"role\":\"standby\",\"term\":0,\"validUntil\":null,\"leader\":\"\","
          + "\"leaderRevision\":0,\"leaseId\":\"\",\"key\":\"\",\"createRevision\":0,"
          + "\"deadlineRemainingMs\":0,\"eligible\":false,\"etcdReachable\":false,"
          + "\"phase\":\"joining\",\"leaseTtlSeconds\":60,\"etcdFailure\":\"Unreachable\","
          + "\"etcdFailureMessage\":\"etcd at http://10.0.0.1:2379 does not answer; check"
          + " HALO_ETCD_ENDPOINTS\"}";
  private static final String ODD_MEMBER =
      "x\"y\\z/\n\r\t\b\f\u0000\u0001\u001f\u007f é \u2603 \u2028 \ud83d\ude00 <&>";
  private static final String ODD =
      "{\"member\":\"x\\\"y\\\\z/\\n\\r\\t\\b\\f\\u0000\\u0001\\u001F\u007f é \u2603 \u2028"
          + " \ud83d\ude00 <&>\",\"role\":null,\"term\":-9223372036854775808,\"validUntil\":null,"
          + "\"leader\":null,\"leaderRevision\":9223372036854775807,\"leaseId\":null,\"key\":null,"
          + "\"createRevision\":-1,\"deadlineRemainingMs\":-9223372036854775808,"
          + "\"eligible\":false,\"etcdReachable\":true,\"phase\":\"stopped\","
          + "\"leaseTtlSeconds\":-2147483648,\"etcdFailure\":null,"
          + "\"etcdFailureMessage\":\"'single' \\\"double\\\"\"}";

  @Test
  void writesTheStatusFieldsOfDecember2026ExactlyAsJacksonDid() throws Exception {
    for (String golden : List.of(MASTER, STANDBY, UNREACHABLE, ODD)) {
      // Components added to AgentStatus since these were recorded follow the ones of then, which
      // keep their names, order and form.
      assertThat(Json.write(statusOf(golden)))
          .startsWith(golden.substring(0, golden.length() - 1))
          .endsWith("}");
    }
  }

  @Test
  void writesAnyStatusAsJacksonWouldWhateverItsComponents() throws Exception {
    // Every component gets each value of its type in turn, so a component added to AgentStatus
    // is compared too, with no change here.
    List<Object> strings = Arrays.asList("", "web-0", null, ODD_MEMBER, "\u0080\u00ff\uffff");
    List<Object> longs = List.of(0L, -1L, 1L << 53, Long.MAX_VALUE, Long.MIN_VALUE);
    List<Object> ints = List.of(0, -7, 8778, Integer.MAX_VALUE, Integer.MIN_VALUE);
    List<Object> booleans = List.of(true, false, true, false, true);
    RecordComponent[] components = AgentStatus.class.getRecordComponents();
    for (int round = 0; round < strings.size(); round++) {
      Object[] args = new Object[components.length];
      for (int i = 0; i < components.length; i++) {
        Class<?> type = components[i].getType();
        List<Object> values =
            type == String.class
                ? strings
                : type == long.class ? longs : type == int.class ? ints : booleans;
        args[i] = values.get((round + i) % values.size());
      }
      AgentStatus status = newStatus(args);

      assertThat(Json.write(status)).isEqualTo(JACKSON.writeValueAsString(status));
    }
  }

  @Test
  void writesNestedValuesAsJacksonWould() throws Exception {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("b", List.of(1, 2L));
    map.put("a", null);
    Sample sample =
        new Sample(
            Role.MASTER,
            1.5,
            1e20,
            Double.NaN,
            Float.NEGATIVE_INFINITY,
            new BigDecimal("12.50"),
            'q',
            List.of("x", "y\n"),
            map,
            new Inner(-3, List.of()));

    assertThat(Json.write(sample)).isEqualTo(JACKSON.writeValueAsString(sample));
  }

  @Test
  void quotesControlCharactersAndBackslashes() {
    assertThat(Json.quote("a\\b\n\u0001\u001f")).isEqualTo("\"a\\\\b\\n\\u0001\\u001F\"");
  }

  @Test
  void refusesATypeWithoutAPlainJsonFormInsteadOfGuessing() {
    assertThatThrownBy(() -> Json.write(new Holder(Optional.of("x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.util.Optional has no JSON form");
    assertThatThrownBy(() -> Json.write(new Holder(Instant.EPOCH)))
        .hasMessageContaining("java.time.Instant has no JSON form");
  }

  public record Inner(int n, List<String> none) {}

  public record Sample(
      Role role,
      double half,
      double big,
      double nan,
      float minusInfinity,
      BigDecimal price,
      char letter,
      List<String> names,
      Map<String, Object> map,
      Inner inner) {}

  public record Holder(Object value) {}

  /**
   * The AgentStatus with the values {@code json} states; components it does not name get null, 0 or
   * false.
   */
  private static AgentStatus statusOf(String json) throws Exception {
    Map<String, Object> named =
        JACKSON.readValue(json, new TypeReference<Map<String, Object>>() {});
    RecordComponent[] components = AgentStatus.class.getRecordComponents();
    Object[] args = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      Class<?> type = components[i].getType();
      Object value = named.get(components[i].getName());
      if (value instanceof Number n) {
        value = type == int.class ? (Object) n.intValue() : (Object) n.longValue();
      } else if (value == null && type.isPrimitive()) {
        value = type == boolean.class ? false : type == int.class ? (Object) 0 : (Object) 0L;
      }
      args[i] = value;
    }
    return newStatus(args);
  }

  private static AgentStatus newStatus(Object[] args) {
    Class<?>[] types =
        Arrays.stream(AgentStatus.class.getRecordComponents())
            .map(RecordComponent::getType)
            .toArray(Class<?>[]::new);
    try {
      return AgentStatus.class.getDeclaredConstructor(types).newInstance(args);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
