package dev.halo.kubectl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code status} and {@code history} show of a group, built from the group as the API server
 * returns it (pure): the document {@code -o json|yaml} prints and the tables are made from. A field
 * the operator does not publish (an older operator) is null, printed {@code -}.
 */
final class Summary {
  /** How many failovers {@code status} lists; {@code history} lists every one published. */
  static final int STATUS_FAILOVERS = 3;

  private Summary() {}

  /** The status document of {@code hag}. */
  static Map<String, Object> status(Object hag) {
    Map<String, Object> s = header(hag);
    s.put("phase", Tree.string(hag, "status", "phase"));
    s.put("master", Tree.string(hag, "status", "master"));
    s.put("masterZone", Tree.string(hag, "status", "masterZone"));
    s.put("term", Tree.at(hag, "status", "term"));
    s.put("leaseTTLSeconds", Tree.at(hag, "spec", "election", "leaseTTLSeconds"));
    s.put("paused", Tree.at(hag, "spec", "paused"));
    s.put("failovers", Tree.at(hag, "status", "failovers"));
    List<Object> members = new ArrayList<>();
    for (Object m : Tree.list(hag, "status", "members")) {
      Map<String, Object> row = new LinkedHashMap<>();
      String pod = Tree.string(m, "pod");
      row.put("pod", pod);
      row.put("role", Tree.string(m, "role"));
      row.put("zone", Tree.string(m, "zone"));
      row.put("ready", Tree.at(m, "ready"));
      row.put("campaigning", Tree.at(m, "campaigning"));
      row.put("excluded", Tree.string(m, "excluded"));
      members.add(row);
    }
    s.put("members", members);
    List<Object> history = history(hag);
    s.put("lastFailovers", history.subList(0, Math.min(STATUS_FAILOVERS, history.size())));
    return s;
  }

  /** The history document of {@code hag}: its failover count and every published record. */
  static Map<String, Object> historyDocument(Object hag) {
    Map<String, Object> h = header(hag);
    h.put("failovers", Tree.at(hag, "status", "failovers"));
    h.put("history", history(hag));
    return h;
  }

  /**
   * The failover records, newest first: {@code status.failoverHistory}, else (an operator that does
   * not publish it) {@code status.lastFailover} alone.
   */
  static List<Object> history(Object hag) {
    List<?> published = Tree.list(hag, "status", "failoverHistory");
    if (!published.isEmpty()) {
      return new ArrayList<>(published);
    }
    Object last = Tree.at(hag, "status", "lastFailover");
    return last instanceof Map<?, ?> ? new ArrayList<>(List.of(last)) : new ArrayList<>();
  }

  private static Map<String, Object> header(Object hag) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("name", Tree.string(hag, "metadata", "name"));
    s.put("namespace", Tree.string(hag, "metadata", "namespace"));
    return s;
  }
}
