package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subset of Kubernetes JSONPath that printer columns use: {@code .a.b}, {@code ['a.b']}, {@code
 * [0]}, {@code [*]} and filters like {@code [?(@.type=="Ready")]} ({@code ==}, {@code !=}, or bare
 * existence).
 */
final class PrinterJsonPath {
  private static final Pattern FILTER =
      Pattern.compile("\\?\\(@((?:\\.[^=!<>\\s)]+)+)\\s*(?:(==|!=)\\s*(.+?))?\\s*\\)");

  private PrinterJsonPath() {}

  /** Every value the path selects in {@code root}, in document order (empty when none). */
  static List<JsonNode> find(JsonNode root, String expression) {
    String path = expression.trim();
    if (path.startsWith("{") && path.endsWith("}")) {
      path = path.substring(1, path.length() - 1).trim();
    }
    if (path.startsWith("$")) {
      path = path.substring(1);
    }
    List<JsonNode> current = List.of(root);
    int i = 0;
    while (i < path.length() && !current.isEmpty()) {
      char c = path.charAt(i);
      if (c == '.') {
        int end = i + 1;
        while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
          end++;
        }
        String field = path.substring(i + 1, end);
        current = field.isEmpty() || field.equals("*") ? children(current) : field(current, field);
        i = end;
      } else if (c == '[') {
        int end = closingBracket(path, i);
        current = bracket(current, path.substring(i + 1, end).trim());
        i = end + 1;
      } else {
        throw new IllegalArgumentException("unsupported JSONPath " + expression);
      }
    }
    return current.stream().filter(n -> !n.isMissingNode()).toList();
  }

  private static int closingBracket(String path, int open) {
    char quote = 0;
    for (int i = open + 1; i < path.length(); i++) {
      char c = path.charAt(i);
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == ']') {
        return i;
      }
    }
    throw new IllegalArgumentException("unclosed [ in JSONPath " + path);
  }

  private static List<JsonNode> bracket(List<JsonNode> nodes, String inside) {
    if (inside.equals("*")) {
      return children(nodes);
    }
    if (inside.startsWith("'") || inside.startsWith("\"")) {
      return field(nodes, inside.substring(1, inside.length() - 1));
    }
    if (inside.startsWith("?")) {
      return filter(nodes, inside);
    }
    int index = Integer.parseInt(inside);
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode n : nodes) {
      if (n.isArray()) {
        JsonNode item = n.get(index < 0 ? n.size() + index : index);
        if (item != null) {
          out.add(item);
        }
      }
    }
    return out;
  }

  private static List<JsonNode> filter(List<JsonNode> nodes, String inside) {
    Matcher m = FILTER.matcher(inside);
    if (!m.matches()) {
      throw new IllegalArgumentException("unsupported JSONPath filter [" + inside + "]");
    }
    String subPath = m.group(1);
    String operator = m.group(2);
    String literal = m.group(3) == null ? null : unquote(m.group(3).trim());
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode item : children(nodes)) {
      List<JsonNode> values = find(item, subPath);
      boolean keep;
      if (operator == null) {
        keep = !values.isEmpty() && !values.get(0).isNull();
      } else {
        boolean equal = !values.isEmpty() && values.get(0).asText().equals(literal);
        keep = operator.equals("==") == equal;
      }
      if (keep) {
        out.add(item);
      }
    }
    return out;
  }

  private static String unquote(String literal) {
    if (literal.length() >= 2
        && (literal.startsWith("\"") && literal.endsWith("\"")
            || literal.startsWith("'") && literal.endsWith("'"))) {
      return literal.substring(1, literal.length() - 1);
    }
    return literal;
  }

  private static List<JsonNode> field(List<JsonNode> nodes, String name) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode n : nodes) {
      if (n.isObject() && n.has(name)) {
        out.add(n.get(name));
      }
    }
    return out;
  }

  private static List<JsonNode> children(List<JsonNode> nodes) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode n : nodes) {
      if (n.isContainerNode()) {
        n.forEach(out::add);
      }
    }
    return out;
  }
}
