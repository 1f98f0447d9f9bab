package dev.halo.kubectl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The text {@code status} and {@code history} print, from {@link Summary}'s documents (pure). */
final class Tables {
  private Tables() {}

  /** One group's status: a header, its members, its last failovers. */
  static String status(Map<String, Object> s, int width) {
    List<String> head = new ArrayList<>();
    head.add(s.get("name") + " (namespace " + s.get("namespace") + ")");
    head.add(dash(s.get("phase")));
    String master = dash(s.get("master"));
    head.add(
        "master "
            + master
            + (s.get("masterZone") == null ? "" : " in zone " + s.get("masterZone")));
    head.add("term " + dash(s.get("term")));
    head.add("TTL " + dash(s.get("leaseTTLSeconds")) + " s");
    head.add("failovers " + dash(s.get("failovers")));
    head.add("paused " + dash(s.get("paused")));
    StringBuilder sb = new StringBuilder(Table.wrap(head, width));
    List<List<String>> rows = new ArrayList<>();
    for (Object m : (List<?>) s.get("members")) {
      rows.add(
          List.of(
              dash(Tree.string(m, "pod")),
              dash(Tree.string(m, "role")),
              dash(Tree.string(m, "zone")),
              yesNo(Tree.at(m, "ready")),
              yesNo(Tree.at(m, "campaigning")),
              dash(Tree.string(m, "excluded"))));
    }
    sb.append(
        Table.render(
            List.of("MEMBER", "ROLE", "ZONE", "READY", "CAMPAIGNING", "EXCLUDED"), rows, width));
    List<?> failovers = (List<?>) s.get("lastFailovers");
    if (!failovers.isEmpty()) {
      sb.append("last failovers (kubectl halo history ").append(s.get("name")).append("):\n");
      sb.append(failoverTable(failovers, width));
    }
    return sb.toString();
  }

  /** One group's failover records, newest first. */
  static String history(Map<String, Object> h, int width) {
    List<?> records = (List<?>) h.get("history");
    String head =
        h.get("name")
            + " (namespace "
            + h.get("namespace")
            + "): failovers "
            + dash(h.get("failovers"))
            + ", the last "
            + records.size()
            + " newest first\n";
    return Table.fit(head, width)
        + (records.isEmpty() ? "no failover yet\n" : failoverTable(records, width));
  }

  private static String failoverTable(List<?> records, int width) {
    List<List<String>> rows = new ArrayList<>();
    for (Object r : records) {
      rows.add(
          List.of(
              seconds(Tree.string(r, "time")),
              dash(Tree.string(r, "from")),
              dash(Tree.string(r, "to")),
              dash(Tree.string(r, "reason")),
              millis(Tree.at(r, "durationMillis"))));
    }
    return Table.render(List.of("TIME", "FROM", "TO", "REASON", "TOOK"), rows, width);
  }

  /** An RFC 3339 time to the second: {@code 2026-12-07T15:01:14Z}; the document keeps it whole. */
  static String seconds(String time) {
    return time == null ? "-" : time.replaceFirst("^(.{19})\\.\\d+Z$", "$1Z");
  }

  static String dash(Object v) {
    return v == null || String.valueOf(v).isEmpty() ? "-" : String.valueOf(v);
  }

  private static String yesNo(Object v) {
    return v == null ? "-" : Boolean.TRUE.equals(v) || "true".equals(v) ? "yes" : "no";
  }

  private static String millis(Object v) {
    if (!(v instanceof Number n)) {
      return "-";
    }
    long ms = n.longValue();
    return ms < 10_000 ? ms + " ms" : String.format("%.1f s", ms / 1000.0);
  }
}
