package dev.halo.agent;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * The agent's JSON writer, in place of a JSON library (Jackson databind alone loaded about 350
 * classes into every agent). A record is written as an object of its components in declaration
 * order, so a component added to {@link AgentStatus} shows on {@code /status} with no change here.
 * Values are written as Jackson's defaults wrote them: strings with {@code \n}-style short escapes
 * and {@code \u001F} for other control characters (nothing else escaped), integers and booleans as
 * literals, {@code null} for null, non-finite floating point numbers as strings.
 */
final class Json {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Json() {}

  /**
   * {@code value} as JSON: a record, string, number, boolean, enum (its name), list or map of
   * those, or null.
   *
   * @throws IllegalArgumentException for any other type (an {@code Optional}, an {@code Instant},
   *     an array): turn it into one of the above first
   */
  static String write(Object value) {
    StringBuilder out = new StringBuilder(256);
    append(out, value);
    return out.toString();
  }

  /** {@code s} as a JSON string literal. */
  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2);
    appendQuoted(out, s);
    return out.toString();
  }

  private static void append(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof CharSequence || value instanceof Character) {
      appendQuoted(out, value.toString());
    } else if (value instanceof Enum<?> e) {
      appendQuoted(out, e.name());
    } else if (value instanceof Boolean
        || value instanceof Integer
        || value instanceof Long
        || value instanceof Short
        || value instanceof Byte
        || value instanceof BigInteger
        || value instanceof BigDecimal) {
      out.append(value);
    } else if (value instanceof Double d) {
      appendFloating(out, d.isNaN() || d.isInfinite(), d.toString());
    } else if (value instanceof Float f) {
      appendFloating(out, f.isNaN() || f.isInfinite(), f.toString());
    } else if (value instanceof Record r) {
      appendRecord(out, r);
    } else if (value instanceof Collection<?> c) {
      appendArray(out, c);
    } else if (value instanceof Map<?, ?> m) {
      appendMap(out, m);
    } else {
      throw new IllegalArgumentException(
          value.getClass().getName()
              + " has no JSON form in the agent: use a string, number, boolean, enum, record, list"
              + " or map");
    }
  }

  private static void appendFloating(StringBuilder out, boolean nonFinite, String text) {
    if (nonFinite) {
      appendQuoted(out, text);
    } else {
      out.append(text);
    }
  }

  private static void appendRecord(StringBuilder out, Record r) {
    out.append('{');
    String separator = "";
    for (RecordComponent component : r.getClass().getRecordComponents()) {
      out.append(separator);
      separator = ",";
      appendQuoted(out, component.getName());
      out.append(':');
      append(out, componentValue(r, component));
    }
    out.append('}');
  }

  private static Object componentValue(Record r, RecordComponent component) {
    try {
      return component.getAccessor().invoke(r);
    } catch (IllegalAccessException e) {
      throw new IllegalArgumentException(
          r.getClass().getName() + " is not readable here: make the record public", e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(
          r.getClass().getName() + "." + component.getName() + "() failed", e.getCause());
    }
  }

  private static void appendArray(StringBuilder out, Collection<?> values) {
    out.append('[');
    String separator = "";
    for (Object v : values) {
      out.append(separator);
      separator = ",";
      append(out, v);
    }
    out.append(']');
  }

  private static void appendMap(StringBuilder out, Map<?, ?> entries) {
    out.append('{');
    String separator = "";
    for (Map.Entry<?, ?> e : entries.entrySet()) {
      out.append(separator);
      separator = ",";
      appendQuoted(out, String.valueOf(e.getKey()));
      out.append(':');
      append(out, e.getValue());
    }
    out.append('}');
  }

  private static void appendQuoted(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
