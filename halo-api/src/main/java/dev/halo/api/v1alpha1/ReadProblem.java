package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Arrays;

/**
 * Says in words which field of a stored object could not be read and why, from Jackson's exception:
 * {@code spec.zones}, {@code expected a list of strings, got the string "a,b,c"}.
 */
record ReadProblem(String field, String problem) {

  /** The problem {@code e} met reading {@code tree} (at {@code root}) as {@code type}. */
  static ReadProblem of(
      String root,
      JsonNode tree,
      JavaType type,
      JsonMappingException e,
      DeserializationConfig config) {
    StringBuilder field = new StringBuilder(root);
    JsonNode node = tree;
    JavaType expected = type;
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        field.append('.').append(ref.getFieldName());
        node = node == null ? null : node.get(ref.getFieldName());
        expected = property(expected, ref.getFieldName(), config);
      } else if (ref.getIndex() >= 0) {
        field.append('[').append(ref.getIndex()).append(']');
        node = node == null ? null : node.get(ref.getIndex());
        expected =
            expected != null && expected.isContainerType() ? expected.getContentType() : null;
      }
    }
    if (expected == null && e instanceof MismatchedInputException m && m.getTargetType() != null) {
      expected = config.constructType(m.getTargetType());
    }
    if (expected == null || node == null || !(e instanceof MismatchedInputException)) {
      return new ReadProblem(field.toString(), firstLine(e.getOriginalMessage()));
    }
    return new ReadProblem(
        field.toString(), "expected " + describe(expected) + ", got " + describe(node));
  }

  private static JavaType property(JavaType owner, String name, DeserializationConfig config) {
    if (owner == null) {
      return null;
    }
    if (owner.isMapLikeType()) {
      return owner.getContentType();
    }
    if (owner.isContainerType() || owner.isPrimitive() || owner.isEnumType()) {
      return null;
    }
    BeanDescription bean = config.introspect(owner);
    return bean.findProperties().stream()
        .filter(p -> p.getName().equals(name))
        .findFirst()
        .map(BeanPropertyDefinition::getPrimaryType)
        .orElse(null);
  }

  static String describe(JavaType type) {
    if (type.isArrayType() || type.isCollectionLikeType()) {
      return "a list of " + plural(type.getContentType());
    }
    if (type.isMapLikeType()) {
      return "a map of " + plural(type.getContentType());
    }
    Class<?> raw = type.getRawClass();
    if (raw.isEnum()) {
      return "one of " + Arrays.toString(raw.getEnumConstants());
    }
    return singular(raw);
  }

  private static String singular(Class<?> raw) {
    if (CharSequence.class.isAssignableFrom(raw)) {
      return "a string";
    }
    if (isIntegral(raw)) {
      return "an integer";
    }
    if (Number.class.isAssignableFrom(raw) || raw == double.class || raw == float.class) {
      return "a number";
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return "true or false";
    }
    if (raw == IntOrString.class) {
      return "an integer or a string";
    }
    if (raw == Quantity.class) {
      return "a quantity (e.g. \"500m\" or \"64Mi\")";
    }
    return "an object";
  }

  private static String plural(JavaType type) {
    if (type == null) {
      return "values";
    }
    if (type.isContainerType()) {
      return type.isMapLikeType() ? "maps" : "lists";
    }
    Class<?> raw = type.getRawClass();
    if (CharSequence.class.isAssignableFrom(raw)) {
      return "strings";
    }
    if (isIntegral(raw)) {
      return "integers";
    }
    return raw == Boolean.class || raw == boolean.class ? "booleans" : "objects";
  }

  private static boolean isIntegral(Class<?> raw) {
    return raw == Integer.class
        || raw == int.class
        || raw == Long.class
        || raw == long.class
        || raw == Short.class
        || raw == short.class;
  }

  static String describe(JsonNode node) {
    if (node.isTextual()) {
      return "the string \"" + node.textValue() + "\"";
    }
    if (node.isNumber()) {
      return "the number " + node.asText();
    }
    if (node.isBoolean()) {
      return "the value " + node.asText();
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "an object";
    }
    return "null";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "cannot be read";
    }
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }
}
