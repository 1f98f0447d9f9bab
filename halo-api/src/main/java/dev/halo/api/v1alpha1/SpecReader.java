package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;

/**
 * Reads a group's spec so that one that does not fit the model never fails the whole object (an
 * informer that cannot read one object stops for all of them): the spec is bound as usual, and when
 * that fails it becomes an {@link UnreadableSpec} that names the field and keeps the JSON.
 */
final class SpecReader extends StdDeserializer<HighAvailabilityGroupSpec> {
  SpecReader() {
    super(HighAvailabilityGroupSpec.class);
  }

  @Override
  public HighAvailabilityGroupSpec deserialize(JsonParser p, DeserializationContext ctxt)
      throws IOException {
    JsonNode tree = ctxt.readTree(p);
    JavaType type = ctxt.constructType(HighAvailabilityGroupSpec.class);
    try {
      return ctxt.readTreeAsValue(tree, type);
    } catch (JsonMappingException e) {
      ReadProblem problem = ReadProblem.of("spec", tree, type, e, ctxt.getConfig());
      return new UnreadableSpec(tree, problem.field(), problem.problem());
    }
  }
}
