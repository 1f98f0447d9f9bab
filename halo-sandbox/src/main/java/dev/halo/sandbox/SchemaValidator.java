package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks a custom resource against its CRD's {@code openAPIV3Schema} as kube-apiserver does (types,
 * required, enum, bounds, lengths, item counts, patterns) and prunes the fields the schema does not
 * know, with the real server's error wording. CEL rules ({@code x-kubernetes-validations}) are not
 * evaluated. Public for the tests that hold the CRD against the operator's validator.
 */
public final class SchemaValidator {
  /** One refused field: the Status cause kube-apiserver would send. */
  public record Cause(String reason, String field, String message) {
    /** {@code spec.zones: Invalid value: ...}, as kubectl prints it. */
    public String line() {
      return field + ": " + message;
    }
  }

  // Kept at the root whatever the schema says: the API server handles them itself.
  private static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");

  private final List<Cause> causes = new ArrayList<>();
  private final List<String> pruned = new ArrayList<>();

  private SchemaValidator() {}

  /** The result of one check: the causes (empty: valid) and the paths of pruned fields. */
  public record Result(List<Cause> causes, List<String> pruned) {}

  /**
   * Validates {@code object} against {@code schema}, removing from it (in place) every field the
   * schema does not declare, as a real server prunes a structural schema's unknown fields, and
   * every null of a field that is not nullable.
   */
  public static Result check(ObjectNode object, JsonNode schema) {
    SchemaValidator v = new SchemaValidator();
    v.validateObject(object, schema, "", true);
    return new Result(List.copyOf(v.causes), List.copyOf(v.pruned));
  }

  private void validate(JsonNode value, JsonNode schema, String path) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
      if (!value.isIntegralNumber() && !value.isTextual()) {
        typeInvalid(value, path, "integer-or-string");
      }
      return;
    }
    String type = schema.path("type").asText("");
    if (!type.isEmpty() && !hasType(value, type)) {
      typeInvalid(value, path, type);
      return;
    }
    enumCheck(value, schema, path);
    if (value.isObject()) {
      validateObject((ObjectNode) value, schema, path, false);
    } else if (value.isArray()) {
      validateArray((ArrayNode) value, schema, path);
    } else if (value.isNumber()) {
      bounds(value, schema, path);
    } else if (value.isTextual()) {
      text(value.asText(), schema, path);
    }
  }

  private void validateObject(ObjectNode object, JsonNode schema, String path, boolean root) {
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.path("additionalProperties");
    boolean keepUnknown =
        schema.path("x-kubernetes-preserve-unknown-fields").asBoolean()
            || additional.asBoolean(false);
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      String at = path.isEmpty() ? name : path + "." + name;
      if (root && ROOT_FIELDS.contains(name)) {
        continue;
      }
      JsonNode fieldSchema = properties.has(name) ? properties.get(name) : null;
      if (fieldSchema == null && additional.isObject()) {
        fieldSchema = additional;
        at = path + "[" + name + "]";
      }
      if (fieldSchema == null) {
        if (!keepUnknown) {
          pruned.add(at);
          it.remove();
        }
        continue;
      }
      if (field.getValue().isNull() && !fieldSchema.path("nullable").asBoolean()) {
        it.remove();
        continue;
      }
      validate(field.getValue(), fieldSchema, at);
    }
    for (JsonNode required : schema.path("required")) {
      if (!object.has(required.asText())) {
        String at = path.isEmpty() ? required.asText() : path + "." + required.asText();
        causes.add(new Cause("FieldValueRequired", at, "Required value"));
      }
    }
  }

  private void validateArray(ArrayNode array, JsonNode schema, String path) {
    if (schema.has("maxItems") && array.size() > schema.get("maxItems").asInt()) {
      causes.add(
          new Cause(
              "FieldValueTooMany",
              path,
              "Too many: "
                  + array.size()
                  + ": must have at most "
                  + schema.get("maxItems").asInt()
                  + " items"));
    }
    if (schema.has("minItems") && array.size() < schema.get("minItems").asInt()) {
      invalid(
          array.size(), path, "should have at least " + schema.get("minItems").asInt() + " items");
    }
    JsonNode items = schema.path("items");
    if (items.isObject()) {
      for (int i = 0; i < array.size(); i++) {
        validate(array.get(i), items, path + "[" + i + "]");
      }
    }
  }

  private void bounds(JsonNode value, JsonNode schema, String path) {
    BigDecimal number = value.decimalValue();
    if (schema.has("minimum")) {
      BigDecimal min = schema.get("minimum").decimalValue();
      boolean exclusive = schema.path("exclusiveMinimum").asBoolean();
      if (exclusive ? number.compareTo(min) <= 0 : number.compareTo(min) < 0) {
        invalid(
            value,
            path,
            "should be greater than " + (exclusive ? "" : "or equal to ") + plain(min));
      }
    }
    if (schema.has("maximum")) {
      BigDecimal max = schema.get("maximum").decimalValue();
      boolean exclusive = schema.path("exclusiveMaximum").asBoolean();
      if (exclusive ? number.compareTo(max) >= 0 : number.compareTo(max) > 0) {
        invalid(
            value, path, "should be less than " + (exclusive ? "" : "or equal to ") + plain(max));
      }
    }
  }

  private void text(String value, JsonNode schema, String path) {
    int length = value.codePointCount(0, value.length());
    if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
      causes.add(
          new Cause(
              "FieldValueTooLong",
              path,
              "Too long: may not be more than " + schema.get("maxLength").asInt() + " bytes"));
    }
    if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
      invalid(
          Serialization.jsonMapper().getNodeFactory().textNode(value),
          path,
          "should be at least " + schema.get("minLength").asInt() + " chars long");
    }
    if (schema.has("pattern")) {
      String pattern = schema.get("pattern").asText();
      try {
        if (!Pattern.compile(pattern).matcher(value).find()) {
          invalid(
              Serialization.jsonMapper().getNodeFactory().textNode(value),
              path,
              "should match '" + pattern + "'");
        }
      } catch (PatternSyntaxException e) {
        // A pattern Java cannot read (Go's RE2 syntax differs at the edges): not this check's
        // business to refuse the object for it.
      }
    }
  }

  private void enumCheck(JsonNode value, JsonNode schema, String path) {
    JsonNode allowed = schema.path("enum");
    if (!allowed.isArray() || allowed.isEmpty()) {
      return;
    }
    for (JsonNode option : allowed) {
      if (option.equals(value)) {
        return;
      }
    }
    List<String> options = new ArrayList<>();
    allowed.forEach(o -> options.add(Serialization.asJson(o)));
    causes.add(
        new Cause(
            "FieldValueNotSupported",
            path,
            "Unsupported value: "
                + Serialization.asJson(value)
                + ": supported values: "
                + String.join(", ", options)));
  }

  private static boolean hasType(JsonNode value, String type) {
    return switch (type) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" ->
          value.isIntegralNumber()
              || (value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0);
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      default -> true;
    };
  }

  private void typeInvalid(JsonNode value, String path, String expected) {
    String actual = typeOf(value);
    causes.add(
        new Cause(
            "FieldValueTypeInvalid",
            path,
            "Invalid value: \""
                + actual
                + "\": "
                + path
                + " in body must be of type "
                + expected
                + ": \""
                + actual
                + "\""));
  }

  private void invalid(Object value, String path, String should) {
    String shown = value instanceof JsonNode node ? Serialization.asJson(node) : value.toString();
    causes.add(
        new Cause(
            "FieldValueInvalid",
            path,
            "Invalid value: " + shown + ": " + path + " in body " + should));
  }

  private static String typeOf(JsonNode value) {
    if (value.isObject()) {
      return "object";
    }
    if (value.isArray()) {
      return "array";
    }
    if (value.isTextual()) {
      return "string";
    }
    if (value.isIntegralNumber()) {
      return "integer";
    }
    if (value.isNumber()) {
      return "number";
    }
    return value.isBoolean() ? "boolean" : "null";
  }

  private static String plain(BigDecimal number) {
    return number.stripTrailingZeros().toPlainString();
  }
}
