package dev.halo.kubectl;

import java.util.List;
import java.util.Map;

/** Paths into parsed JSON or YAML: {@code Tree.string(hag, "status", "master")}. */
final class Tree {
  private Tree() {}

  /** The value at {@code path}, or null when a step is missing or not an object. */
  static Object at(Object root, String... path) {
    Object node = root;
    for (String step : path) {
      if (!(node instanceof Map<?, ?> map)) {
        return null;
      }
      node = map.get(step);
    }
    return node;
  }

  static String string(Object root, String... path) {
    Object v = at(root, path);
    return v == null || v instanceof Map<?, ?> || v instanceof List<?> ? null : String.valueOf(v);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object root, String... path) {
    Object v = at(root, path);
    return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  static List<?> list(Object root, String... path) {
    Object v = at(root, path);
    return v instanceof List<?> l ? l : List.of();
  }

  static boolean isTrue(Object root, String... path) {
    Object v = at(root, path);
    return Boolean.TRUE.equals(v) || "true".equals(v);
  }
}
