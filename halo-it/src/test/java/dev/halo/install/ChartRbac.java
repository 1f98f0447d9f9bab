package dev.halo.install;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The permissions a rendered chart gives the operator's ServiceAccount, one grant per verb. */
public final class ChartRbac {
  /** Scope of a grant from a ClusterRole bound cluster-wide. */
  public static final String CLUSTER = "*";

  /**
   * One permitted (scope, group, resource, verb): scope is {@link #CLUSTER} or the namespace of the
   * Role.
   */
  public record Grant(String scope, String group, String resource, String verb)
      implements Comparable<Grant> {
    public boolean covers(ApiCall call) {
      boolean inScope = scope.equals(CLUSTER) || scope.equals(call.namespace());
      return inScope
          && group.equals(call.group())
          && resource.equals(call.resource())
          && verb.equals(call.verb());
    }

    @Override
    public int compareTo(Grant o) {
      return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
      return scope + " " + (group.isEmpty() ? "core" : group) + " " + resource + " " + verb;
    }
  }

  private ChartRbac() {}

  /** Every grant that the rendered objects bind to {@code namespace/serviceAccount}. */
  public static Set<Grant> grants(List<HasMetadata> rendered, String namespace, String account) {
    Set<Grant> grants = new TreeSet<>();
    for (HasMetadata o : rendered) {
      if (o instanceof ClusterRoleBinding b && boundTo(b.getSubjects(), namespace, account)) {
        rules(rendered, b.getRoleRef(), null).forEach(r -> expand(CLUSTER, r, grants));
      } else if (o instanceof RoleBinding b && boundTo(b.getSubjects(), namespace, account)) {
        String ns = b.getMetadata().getNamespace();
        rules(rendered, b.getRoleRef(), ns).forEach(r -> expand(ns, r, grants));
      }
    }
    return grants;
  }

  private static boolean boundTo(List<Subject> subjects, String namespace, String account) {
    return subjects.stream()
        .anyMatch(
            s ->
                s.getKind().equals("ServiceAccount")
                    && s.getName().equals(account)
                    && s.getNamespace().equals(namespace));
  }

  private static List<PolicyRule> rules(List<HasMetadata> rendered, RoleRef ref, String ns) {
    return rendered.stream()
        .filter(
            o ->
                ref.getKind().equals("ClusterRole")
                    ? o instanceof ClusterRole
                    : o instanceof Role && o.getMetadata().getNamespace().equals(ns))
        .filter(o -> o.getMetadata().getName().equals(ref.getName()))
        .flatMap(o -> (o instanceof ClusterRole c ? c.getRules() : ((Role) o).getRules()).stream())
        .toList();
  }

  private static void expand(String scope, PolicyRule rule, Set<Grant> grants) {
    for (String group : rule.getApiGroups()) {
      for (String resource : rule.getResources()) {
        for (String verb : rule.getVerbs()) {
          grants.add(new Grant(scope, group, resource, verb));
        }
      }
    }
  }
}
