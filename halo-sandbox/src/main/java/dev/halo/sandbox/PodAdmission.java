package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an API server of an older Kubernetes release refuses in a pod, keyed on the release the
 * sandbox reports: before 1.30 a container lifecycle hook with the {@code sleep} action (1.28 does
 * not know the field, 1.29 has it behind a gate that is off by default). Such a server drops the
 * field, then finds a hook without a handler and answers 422, as this does on a create or replace
 * of a pod. A hook that has another action besides {@code sleep} is refused here too, where a real
 * server would drop the {@code sleep} and take it.
 */
final class PodAdmission {
  /** The first release that takes the {@code sleep} action by default. */
  static final int SLEEP_ACTION_MINOR = 30;

  private static final List<String> CONTAINER_LISTS = List.of("initContainers", "containers");
  private static final List<String> HOOKS = List.of("postStart", "preStop");

  private PodAdmission() {}

  /** The 422 a server of release 1.{@code minor} answers to {@code request}, if it refuses it. */
  static Optional<MockResponse> refusal(RecordedRequest request, int minor) {
    if (minor >= SLEEP_ACTION_MINOR
        || (request.method() != HttpMethod.POST && request.method() != HttpMethod.PUT)) {
      return Optional.empty();
    }
    Optional<ResourcePath> path = ResourcePath.parse(request.getPath());
    if (path.isEmpty()
        || !path.get().group().isEmpty()
        || !path.get().plural().equals("pods")
        || path.get().subresource() != null
        || request.getBody() == null) {
      return Optional.empty();
    }
    JsonNode pod;
    try {
      // getBytes() leaves the buffer for the store to read.
      pod =
          Serialization.jsonMapper()
              .readTree(new String(request.getBody().getBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty(); // the store answers what it makes of it
    }
    List<SchemaValidator.Cause> causes = sleepHooks(pod.path("spec"));
    if (causes.isEmpty()) {
      return Optional.empty();
    }
    String name = pod.path("metadata").path("name").asText(path.get().name());
    return Optional.of(SchemaAdmission.invalid(path.get(), "Pod", name, causes));
  }

  private static List<SchemaValidator.Cause> sleepHooks(JsonNode spec) {
    List<SchemaValidator.Cause> causes = new ArrayList<>();
    for (String list : CONTAINER_LISTS) {
      JsonNode containers = spec.path(list);
      for (int i = 0; i < containers.size(); i++) {
        for (String hook : HOOKS) {
          if (containers.get(i).path("lifecycle").path(hook).has("sleep")) {
            causes.add(
                new SchemaValidator.Cause(
                    "FieldValueRequired",
                    "spec." + list + "[" + i + "].lifecycle." + hook,
                    "Required value: must specify a handler type"));
          }
        }
      }
    }
    return causes;
  }
}
