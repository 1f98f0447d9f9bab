package dev.halo.operator.validation;

import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a CRD's {@code x-kubernetes-validations} on an object with CEL (cel-java), as the API
 * server does: each rule with {@code self} bound to the value at its schema node, skipped when the
 * value is absent. Not covered: the API server's cost estimate and its CEL library extensions (the
 * rules here use standard CEL only).
 */
final class CelEvaluation {
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private CelEvaluation() {}

  /** The rule names (each message's prefix before ':') of every rule in the schema. */
  static List<String> ruleNames(JSONSchemaProps schema) {
    List<String> names = new ArrayList<>();
    walk(
        schema,
        Serialization.jsonMapper().createObjectNode(),
        (rule, self) -> names.add(name(rule)),
        true);
    return names;
  }

  /** The names of the rules that {@code object} fails, in schema order. */
  static List<String> failedRules(JSONSchemaProps schema, Object object) {
    Object value = longs(Serialization.jsonMapper().convertValue(object, Object.class));
    List<String> failed = new ArrayList<>();
    walk(
        schema,
        value,
        (rule, self) -> {
          if (!evaluate(rule.getRule(), self)) {
            failed.add(name(rule));
          }
        },
        false);
    return failed;
  }

  /** A rule an object fails, and the field the API server reports it at ({@code ""}: the root). */
  record Failure(String rule, String field) {}

  /**
   * The rules {@code object} fails with the field each is reported at, as the API server does: the
   * path of the rule's node (list items indexed) plus its fieldPath; a rule whose evaluation fails
   * (e.g. no such key) refuses the object too.
   */
  static List<Failure> failures(JSONSchemaProps schema, Object object) {
    List<Failure> failures = new ArrayList<>();
    walkPaths(
        schema, longs(Serialization.jsonMapper().convertValue(object, Object.class)), "", failures);
    return failures;
  }

  private static void walkPaths(
      JSONSchemaProps schema, Object value, String path, List<Failure> failures) {
    if (schema == null || value == null) {
      return;
    }
    if (schema.getXKubernetesValidations() != null) {
      for (ValidationRule rule : schema.getXKubernetesValidations()) {
        boolean passes;
        try {
          passes = evaluate(rule.getRule(), value);
        } catch (IllegalStateException e) {
          passes = false;
        }
        if (!passes) {
          String fieldPath = rule.getFieldPath() == null ? "" : rule.getFieldPath();
          String field = path + fieldPath;
          failures.add(new Failure(name(rule), field.startsWith(".") ? field.substring(1) : field));
        }
      }
    }
    if (schema.getProperties() != null && value instanceof Map<?, ?> map) {
      schema
          .getProperties()
          .forEach((key, child) -> walkPaths(child, map.get(key), path + "." + key, failures));
    }
    if (schema.getItems() != null
        && schema.getItems().getSchema() != null
        && value instanceof List<?> items) {
      for (int i = 0; i < items.size(); i++) {
        walkPaths(schema.getItems().getSchema(), items.get(i), path + "[" + i + "]", failures);
      }
    }
  }

  private interface RuleVisitor {
    void visit(ValidationRule rule, Object self);
  }

  private static void walk(JSONSchemaProps schema, Object value, RuleVisitor visitor, boolean all) {
    if (schema == null || (value == null && !all)) {
      return;
    }
    if (schema.getXKubernetesValidations() != null) {
      schema.getXKubernetesValidations().forEach(r -> visitor.visit(r, value));
    }
    if (schema.getProperties() != null) {
      schema
          .getProperties()
          .forEach(
              (key, child) ->
                  walk(child, value instanceof Map<?, ?> m ? m.get(key) : null, visitor, all));
    }
    if (schema.getItems() != null && schema.getItems().getSchema() != null) {
      if (value instanceof List<?> items) {
        items.forEach(item -> walk(schema.getItems().getSchema(), item, visitor, all));
      } else if (all) {
        walk(schema.getItems().getSchema(), null, visitor, true);
      }
    }
  }

  private static boolean evaluate(String expression, Object self) {
    try {
      Object result =
          RUNTIME.createProgram(COMPILER.compile(expression).getAst()).eval(Map.of("self", self));
      return Boolean.TRUE.equals(result);
    } catch (Exception e) {
      throw new IllegalStateException("CEL rule " + expression + " does not evaluate: " + e, e);
    }
  }

  private static String name(ValidationRule rule) {
    return rule.getMessage().substring(0, rule.getMessage().indexOf(':'));
  }

  /** JSON numbers as CEL sees integers: longs. */
  private static Object longs(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put((String) k, longs(v)));
      return out;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(CelEvaluation::longs).toList();
    }
    if (value instanceof Integer i) {
      return i.longValue();
    }
    return value;
  }
}
