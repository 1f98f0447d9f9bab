package dev.halo.kubectl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the YAML that kubeconfig files are written in (block mappings and sequences, plain and
 * quoted scalars, {@code {}} and {@code []}, or JSON), and writes values as YAML for {@code -o
 * yaml}. Anchors, tags and block scalars are refused with a message.
 */
final class Yaml {
  private record Line(int indent, String text, int number) {}

  private final List<Line> lines = new ArrayList<>();
  private int at;

  private Yaml(String text) {
    String[] raw = text.split("\r?\n", -1);
    for (int i = 0; i < raw.length; i++) {
      String s = stripComment(raw[i]);
      if (s.isBlank() || s.equals("---") || s.startsWith("%")) {
        continue;
      }
      int indent = 0;
      while (s.charAt(indent) == ' ') {
        indent++;
      }
      lines.add(new Line(indent, s.strip(), i + 1));
    }
  }

  /** Parses a YAML (or JSON) document into maps, lists, strings, booleans and nulls. */
  static Object parse(String text) {
    String t = text.strip();
    if (t.startsWith("{") || t.startsWith("[")) {
      return Json.parse(t);
    }
    Yaml y = new Yaml(text);
    if (y.lines.isEmpty()) {
      return null;
    }
    Object value = y.block(y.lines.get(0).indent());
    if (y.at < y.lines.size()) {
      throw y.error(y.lines.get(y.at), "unexpected indentation");
    }
    return value;
  }

  private Object block(int indent) {
    Line first = lines.get(at);
    return item(first.text()) ? sequence(indent) : mapping(indent);
  }

  private static boolean item(String text) {
    return text.equals("-") || text.startsWith("- ");
  }

  private List<Object> sequence(int indent) {
    List<Object> list = new ArrayList<>();
    while (at < lines.size() && lines.get(at).indent() == indent && item(lines.get(at).text())) {
      Line line = lines.get(at);
      String rest = line.text().substring(1).strip();
      if (rest.isEmpty()) {
        at++;
        list.add(nested(indent, false));
      } else if (keyOf(rest) >= 0) {
        // "- name: x": a mapping whose first key sits on the item's line.
        int column = line.indent() + line.text().indexOf(rest);
        lines.set(at, new Line(column, rest, line.number()));
        list.add(mapping(column));
      } else {
        at++;
        list.add(scalar(rest, line));
      }
    }
    return list;
  }

  private Map<String, Object> mapping(int indent) {
    Map<String, Object> map = new LinkedHashMap<>();
    while (at < lines.size() && lines.get(at).indent() == indent && !item(lines.get(at).text())) {
      Line line = lines.get(at);
      int colon = keyOf(line.text());
      if (colon < 0) {
        throw error(line, "expected \"key: value\"");
      }
      String key = unquote(line.text().substring(0, colon).strip(), line);
      String rest = line.text().substring(colon + 1).strip();
      at++;
      map.put(key, rest.isEmpty() ? nested(indent, true) : scalar(rest, line));
    }
    return map;
  }

  /** The value under a key or item with nothing after it: deeper lines, or a same-level list. */
  private Object nested(int indent, boolean sameLevelList) {
    if (at >= lines.size()) {
      return null;
    }
    Line next = lines.get(at);
    if (next.indent() > indent) {
      return block(next.indent());
    }
    if (sameLevelList && next.indent() == indent && item(next.text())) {
      return sequence(indent);
    }
    return null;
  }

  /** Where the key of {@code "key: value"} ends, or -1 when the text is no key. */
  private static int keyOf(String text) {
    if (text.startsWith("\"") || text.startsWith("'")) {
      int close = text.indexOf(text.charAt(0), 1);
      return close > 0 && text.startsWith(":", close + 1) ? close + 1 : -1;
    }
    int i = text.indexOf(": ");
    if (i > 0) {
      return i;
    }
    return text.endsWith(":") ? text.length() - 1 : -1;
  }

  private Object scalar(String text, Line line) {
    if (text.startsWith("{") || text.startsWith("[")) {
      try {
        return Json.parse(text);
      } catch (IllegalArgumentException e) {
        throw error(line, "only JSON-like flow collections are read (" + e.getMessage() + ")");
      }
    }
    if (text.startsWith("|")
        || text.startsWith(">")
        || text.startsWith("&")
        || text.startsWith("*")
        || text.startsWith("!")) {
      throw error(line, "block scalars, anchors, aliases and tags are not read");
    }
    if (text.startsWith("\"") || text.startsWith("'")) {
      return unquote(text, line);
    }
    return switch (text) {
      case "true", "True", "TRUE" -> Boolean.TRUE;
      case "false", "False", "FALSE" -> Boolean.FALSE;
      case "null", "Null", "NULL", "~" -> null;
      default -> text;
    };
  }

  private String unquote(String text, Line line) {
    if (text.startsWith("\"")) {
      if (!text.endsWith("\"") || text.length() < 2) {
        throw error(line, "unterminated string");
      }
      return (String) Json.parse(text);
    }
    if (text.startsWith("'")) {
      if (!text.endsWith("'") || text.length() < 2) {
        throw error(line, "unterminated string");
      }
      return text.substring(1, text.length() - 1).replace("''", "'");
    }
    return text;
  }

  /** {@code line} without a comment: a {@code #} at the start or after a space, outside quotes. */
  private static String stripComment(String line) {
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '#' && (i == 0 || line.charAt(i - 1) == ' ')) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  private IllegalArgumentException error(Line line, String what) {
    return new IllegalArgumentException("line " + line.number() + ": " + what);
  }

  /** {@code value} as a YAML document. */
  static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      block(sb, value, "");
    } else {
      sb.append(scalar(value)).append('\n');
    }
    return sb.toString();
  }

  private static void block(StringBuilder sb, Object value, String indent) {
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sb.append(indent).append(scalar(String.valueOf(e.getKey()))).append(':');
        child(sb, e.getValue(), indent + "  ");
      }
    } else if (value instanceof List<?> list) {
      for (Object item : list) {
        sb.append(indent).append('-');
        if (item instanceof Map<?, ?> m && !m.isEmpty()) {
          // The item's first key on the dash's line, the others under it.
          StringBuilder inner = new StringBuilder();
          block(inner, m, indent + "  ");
          sb.append(' ').append(inner.substring(indent.length() + 2));
        } else {
          child(sb, item, indent + "  ");
        }
      }
    }
  }

  private static void child(StringBuilder sb, Object value, String indent) {
    boolean nested =
        value instanceof Map<?, ?> m && !m.isEmpty() || value instanceof List<?> l && !l.isEmpty();
    if (nested) {
      sb.append('\n');
      block(sb, value, indent);
    } else {
      sb.append(' ').append(scalar(value)).append('\n');
    }
  }

  private static String scalar(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Map<?, ?>) {
      return "{}";
    }
    if (value instanceof List<?>) {
      return "[]";
    }
    if (!(value instanceof String s)) {
      return String.valueOf(value);
    }
    boolean plain =
        !s.isEmpty()
            && s.equals(s.strip())
            && s.matches("[A-Za-z0-9_./][A-Za-z0-9_./ :+@=,()-]*")
            && !s.contains(": ")
            && !s.endsWith(":")
            && !s.matches("(?i)true|false|null|yes|no|on|off|~|[-+]?[0-9][0-9_.eE+-]*");
    return plain ? s : Json.quote(s);
  }
}
