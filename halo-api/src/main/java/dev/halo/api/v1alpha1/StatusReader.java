package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a group's status so that one that does not fit the model never fails the whole object: it
 * is then read as empty (and logged), and the operator's next status write replaces it.
 */
final class StatusReader extends StdDeserializer<HighAvailabilityGroupStatus> {
  private static final Logger log = LoggerFactory.getLogger(StatusReader.class);

  StatusReader() {
    super(HighAvailabilityGroupStatus.class);
  }

  @Override
  public HighAvailabilityGroupStatus deserialize(JsonParser p, DeserializationContext ctxt)
      throws IOException {
    JsonStreamContext parent = p.getParsingContext().getParent();
    JsonNode tree = ctxt.readTree(p);
    JavaType type = ctxt.constructType(HighAvailabilityGroupStatus.class);
    try {
      return ctxt.readTreeAsValue(tree, type);
    } catch (JsonMappingException e) {
      ReadProblem problem = ReadProblem.of("status", tree, type, e, ctxt.getConfig());
      log.atWarn()
          .addKeyValue("group", owner(parent))
          .addKeyValue("field", problem.field())
          .addKeyValue("problem", problem.problem())
          .log("status cannot be read; treating it as empty, the operator rewrites it");
      return new HighAvailabilityGroupStatus();
    }
  }

  // The group being read, when its metadata came before its status (as the API server sends it).
  private static String owner(JsonStreamContext parent) {
    Object current = parent == null ? null : parent.getCurrentValue();
    if (current instanceof HasMetadata o && o.getMetadata() != null) {
      return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }
    return "<unknown>";
  }
}
