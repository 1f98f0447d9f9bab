package dev.halo.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Small HTTP helpers for talking to agents in tests. */
public final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private Http() {}

  /** GETs a URL; empty when it does not answer 200 within the timeout. */
  public static Optional<String> get(String url, Duration timeout) {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build();
      HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Sends a request with any method and returns the status code. */
  public static int status(String method, String url) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(2))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return CLIENT.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** Parses a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> json(String body) {
    try {
      return JSON.readValue(body, Map.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + body, e);
    }
  }

  /**
   * A free TCP port on 127.0.0.1 for a process that binds it later, from below the kernel's
   * ephemeral range so that no outgoing connection takes it meanwhile ({@link FreePorts}).
   */
  public static int freePort() {
    return FreePorts.pick();
  }
}
