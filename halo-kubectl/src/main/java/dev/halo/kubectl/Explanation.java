package dev.halo.kubectl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Why each member of a group is or is not master, from what the operator publishes (pure): the
 * members' role, readiness, campaigning, exclusion and queue place, the conditions, spec.paused and
 * the group's recent Warning Events. The first reason that applies is given; the document is what
 * {@code explain -o json|yaml} prints and the text is made from.
 */
final class Explanation {
  /** How many recent Warning Events {@code explain} lists. */
  static final int WARNINGS = 5;

  private Explanation() {}

  static Map<String, Object> of(Object hag, List<?> events) {
    Map<String, Object> doc = new LinkedHashMap<>();
    String name = Tree.string(hag, "metadata", "name");
    String master = Tree.string(hag, "status", "master");
    doc.put("name", name);
    doc.put("namespace", Tree.string(hag, "metadata", "namespace"));
    doc.put("master", master);
    doc.put("summary", summary(hag, master));
    List<Object> members = new ArrayList<>();
    for (Object m : Tree.list(hag, "status", "members")) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("pod", Tree.string(m, "pod"));
      row.put("role", Tree.string(m, "role"));
      row.put("why", why(hag, m, master));
      members.add(row);
    }
    doc.put("members", members);
    List<Object> conditions = new ArrayList<>();
    for (Object c : Tree.list(hag, "status", "conditions")) {
      if (notable(c)) {
        conditions.add(
            Tree.string(c, "type")
                + "="
                + Tree.string(c, "status")
                + " ("
                + Tables.dash(Tree.string(c, "reason"))
                + "): "
                + Tables.dash(Tree.string(c, "message")));
      }
    }
    doc.put("conditions", conditions);
    doc.put("warnings", warnings(events));
    return doc;
  }

  /** One line on the group as a whole: who is master, or why nobody is. */
  private static String summary(Object hag, String master) {
    StringBuilder sb = new StringBuilder();
    if (Tree.isTrue(hag, "spec", "paused")) {
      sb.append("paused (spec.paused): the operator changes no labels until it is resumed; ");
    }
    if (master != null) {
      sb.append(master).append(" is master");
    } else {
      Object elected = condition(hag, "MasterElected");
      String remote = Tree.string(hag, "status", "remoteMaster", "pod");
      sb.append(
          remote != null
              ? "the master is on another site: "
                  + Tree.string(hag, "status", "remoteMaster", "site")
                  + "/"
                  + remote
              : elected == null
                  ? "no master yet (phase " + Tables.dash(Tree.string(hag, "status", "phase")) + ")"
                  : "no master: " + Tree.string(elected, "message"));
    }
    Object preferred = Tree.at(hag, "spec", "election", "preferred");
    if (preferred != null) {
      sb.append("; preferred: ").append(preferred);
    }
    return sb.toString();
  }

  /** Why member {@code m} is master or not: the first reason that applies. */
  static String why(Object hag, Object m, String master) {
    String pod = Tree.string(m, "pod");
    Object queue = Tree.at(m, "queue");
    if (pod != null && pod.equals(master)) {
      return "master: its key leads the election"
          + (Tree.at(hag, "status", "term") == null
              ? ""
              : " (term " + Tree.at(hag, "status", "term") + ")")
          + " and the operator labelled it";
    }
    String excluded = Tree.string(m, "excluded");
    if (excluded != null && !excluded.isEmpty()) {
      return "excluded: " + excluded;
    }
    if (Boolean.FALSE.equals(Tree.at(m, "ready"))) {
      return "not Ready: the pod's readiness fails, so it is not a candidate to hand over to";
    }
    if (Boolean.FALSE.equals(Tree.at(m, "campaigning"))) {
      Object site = condition(hag, "SiteActive");
      if (site != null && "False".equals(Tree.string(site, "status"))) {
        return "held out: " + Tree.string(site, "message");
      }
      return "not campaigning: its agent holds no key in the election (its workload's health check"
          + " fails, or the agent is starting or cannot reach etcd; kubectl logs "
          + pod
          + " -c halo-agent)";
    }
    if (queue instanceof Number n && n.intValue() == 1) {
      Object elected = condition(hag, "MasterElected");
      return "leads the election but is not labelled master"
          + (elected == null ? "" : ": " + Tree.string(elected, "message"));
    }
    if (queue instanceof Number n) {
      return "standby: place "
          + n
          + " in the election queue"
          + (n.intValue() == 2 ? ", next if the master goes" : "");
    }
    return "standby: campaigning (the operator does not publish queue places; upgrade it to see them)";
  }

  private static Object condition(Object hag, String type) {
    for (Object c : Tree.list(hag, "status", "conditions")) {
      if (type.equals(Tree.string(c, "type"))) {
        return c;
      }
    }
    return null;
  }

  /** Conditions worth a line: every one not in its healthy state, and Paused. */
  private static boolean notable(Object c) {
    String type = Tree.string(c, "type");
    String status = Tree.string(c, "status");
    boolean healthyWhenFalse = "ForeignCandidates".equals(type);
    if ("Paused".equals(type)) {
      return "True".equals(status);
    }
    return healthyWhenFalse ? !"False".equals(status) : !"True".equals(status);
  }

  /**
   * The newest Warning Events, newest first, each reason and message once ({@code Reason: message},
   * with how many Events said it when more than one).
   */
  private static List<Object> warnings(List<?> events) {
    List<Object> sorted = new ArrayList<>(events);
    sorted.removeIf(e -> !"Warning".equals(Tree.string(e, "type")));
    sorted.sort((a, b) -> Switchover.time(b).compareTo(Switchover.time(a)));
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (Object e : sorted) {
      seen.merge(Tree.string(e, "reason") + ": " + Tree.string(e, "message"), 1, Integer::sum);
    }
    List<Object> out = new ArrayList<>();
    for (Map.Entry<String, Integer> w : seen.entrySet()) {
      if (out.size() == WARNINGS) {
        break;
      }
      out.add(w.getKey() + (w.getValue() > 1 ? " (" + w.getValue() + " Events)" : ""));
    }
    return out;
  }
}
