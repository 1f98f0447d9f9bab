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

  /** Why each member is or is not master, with the conditions and warnings that say more. */
  static String explain(Map<String, Object> e, int width) {
    StringBuilder sb = new StringBuilder();
    sb.append(
            Table.fit(
                e.get("name") + " (namespace " + e.get("namespace") + "): " + e.get("summary"),
                width))
        .append('\n');
    int podWidth = 6;
    for (Object m : (List<?>) e.get("members")) {
      podWidth = Math.max(podWidth, dash(Tree.string(m, "pod")).length());
    }
    podWidth = Math.min(podWidth, width / 3);
    for (Object m : (List<?>) e.get("members")) {
      String pod = Table.fit(dash(Tree.string(m, "pod")), podWidth);
      sb.append(
          hanging(
              pod + " ".repeat(podWidth - pod.length() + 2), dash(Tree.string(m, "why")), width));
    }
    section(sb, "conditions not in their healthy state", (List<?>) e.get("conditions"), width);
    section(sb, "recent warnings", (List<?>) e.get("warnings"), width);
    return sb.toString();
  }

  /** {@code text} after {@code lead}, wrapped at spaces, later lines indented under it. */
  static String hanging(String lead, String text, int width) {
    StringBuilder sb = new StringBuilder(lead);
    int column = lead.length();
    String indent = " ".repeat(lead.length());
    for (String word : text.split(" ")) {
      if (column > lead.length() && column + 1 + word.length() > width) {
        sb.append('\n').append(indent);
        column = lead.length();
      } else if (column > lead.length()) {
        sb.append(' ');
        column++;
      }
      String w = Table.fit(word, width - lead.length());
      sb.append(w);
      column += w.length();
    }
    return sb.append('\n').toString();
  }

  private static void section(StringBuilder sb, String title, List<?> lines, int width) {
    if (lines.isEmpty()) {
      return;
    }
    sb.append(title).append(":\n");
    for (Object line : lines) {
      sb.append(hanging("  ", String.valueOf(line), width));
    }
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
