package dev.halo.sandbox;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Which local process opened a loopback connection, from Linux's {@code /proc}: the kernel's socket
 * table gives the inode of the client's end of an accepted socket, and a process's {@code fd}
 * directory says whether it holds that inode. A proxy in front of an etcd member's peer port needs
 * this to cut one member's connections only: every member dials a peer at the one URL the cluster
 * shares, so the port a connection arrives on does not say who dialled.
 */
final class SocketOwner {
  private static final List<Path> TABLES =
      List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

  private SocketOwner() {}

  /**
   * Picks the accepted sockets whose client end the process {@code pid} gives (read at each test,
   * as a restarted process has a new pid) holds; none where {@code /proc} cannot tell.
   */
  static Predicate<Socket> openedBy(LongSupplier pid) {
    return socket -> clientInode(socket).map(inode -> holds(pid.getAsLong(), inode)).orElse(false);
  }

  /** The inode of the client's end of {@code accepted}: the entry from its port to ours. */
  static Optional<String> clientInode(Socket accepted) {
    String local = hexPort(accepted.getPort());
    String remote = hexPort(accepted.getLocalPort());
    for (Path table : TABLES) {
      try {
        for (String line : Files.readAllLines(table)) {
          // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && f[1].endsWith(local) && f[2].endsWith(remote)) {
            return Optional.of(f[9]);
          }
        }
      } catch (IOException e) {
        // Not Linux, or no IPv6 table: nothing to find there.
      }
    }
    return Optional.empty();
  }

  private static boolean holds(long pid, String inode) {
    String target = "socket:[" + inode + "]";
    try (DirectoryStream<Path> fds =
        Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds) {
        try {
          if (target.equals(Files.readSymbolicLink(fd).toString())) {
            return true;
          }
        } catch (IOException e) {
          // Closed while we looked.
        }
      }
    } catch (IOException e) {
      return false; // the process is gone
    }
    return false;
  }

  private static String hexPort(int port) {
    return ":" + String.format(Locale.ROOT, "%04X", port);
  }
}
