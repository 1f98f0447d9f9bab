package dev.halo.kubectl;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Calls to the API server of a kubeconfig target. Reads go through {@link HttpURLConnection}, which
 * starts in a few milliseconds; merge patches through the JDK's {@link HttpClient}, which has the
 * PATCH method but costs about half a second to start (docs/kubectl-plugin.md, "Start time").
 */
final class Api {
  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int READ_TIMEOUT_MS = 30_000;

  private final KubeConfig.Target target;
  private SSLContext ssl;

  Api(KubeConfig.Target target) {
    this.target = target;
  }

  KubeConfig.Target target() {
    return target;
  }

  /** GETs {@code path}; null on 404. {@code what} says what was asked, for messages. */
  Object get(String path, String what) {
    try {
      HttpURLConnection c =
          (HttpURLConnection) URI.create(target.server() + path).toURL().openConnection();
      if (c instanceof HttpsURLConnection https) {
        https.setSSLSocketFactory(ssl().getSocketFactory());
        if (target.insecure()) {
          https.setHostnameVerifier((host, session) -> true);
        }
      }
      c.setConnectTimeout(CONNECT_TIMEOUT_MS);
      c.setReadTimeout(READ_TIMEOUT_MS);
      c.setRequestProperty("Accept", "application/json");
      c.setRequestProperty("User-Agent", "kubectl-halo");
      String auth = authorization();
      if (auth != null) {
        c.setRequestProperty("Authorization", auth);
      }
      int code = c.getResponseCode();
      String body = read(code >= 400 ? c.getErrorStream() : c.getInputStream());
      return answer(code, body, what);
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /** Sends a JSON merge patch to {@code path}; null on 404. */
  Object mergePatch(String path, String patch, String what) {
    try {
      HttpClient.Builder b =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MS));
      if (target.server().startsWith("https:")) {
        b.sslContext(ssl());
      }
      HttpRequest.Builder r =
          HttpRequest.newBuilder(URI.create(target.server() + path))
              .timeout(Duration.ofMillis(READ_TIMEOUT_MS))
              .header("Content-Type", "application/merge-patch+json")
              .header("Accept", "application/json")
              .header("User-Agent", "kubectl-halo")
              .method("PATCH", HttpRequest.BodyPublishers.ofString(patch));
      String auth = authorization();
      if (auth != null) {
        r.header("Authorization", auth);
      }
      HttpResponse<String> res = b.build().send(r.build(), HttpResponse.BodyHandlers.ofString());
      return answer(res.statusCode(), res.body(), what);
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(Failure.UNREACHABLE, "interrupted while asking the API server to " + what);
    }
  }

  private Object answer(int code, String body, String what) {
    if (code == 404) {
      return null;
    }
    if (code == 401) {
      throw new Failure(
          Failure.FORBIDDEN,
          "the API server "
              + target.server()
              + " does not accept the credentials of user \""
              + target.user()
              + "\" (401 Unauthorized): they are missing or expired; log in again as your"
              + " cluster's tooling says, then check with kubectl auth whoami");
    }
    if (code == 403) {
      throw new Failure(
          Failure.FORBIDDEN,
          "user \""
              + target.user()
              + "\" may not "
              + what
              + " (403 Forbidden: "
              + message(body)
              + "); ask your cluster admin for a Role with the verbs listed in"
              + " docs/kubectl-plugin.md#permissions");
    }
    if (code >= 300) {
      throw new Failure(
          Failure.API_ERROR,
          "the API server answered " + code + " when asked to " + what + ": " + message(body));
    }
    try {
      return Json.parse(body);
    } catch (IllegalArgumentException e) {
      throw new Failure(
          Failure.API_ERROR,
          "the API server's answer to " + what + " is not JSON (" + e.getMessage() + ")");
    }
  }

  private static String message(String body) {
    try {
      String m = Tree.string(Json.parse(body), "message");
      return m == null ? body.strip() : m;
    } catch (IllegalArgumentException e) {
      return body.strip();
    }
  }

  private Failure unreachable(IOException e) {
    String why =
        e instanceof ConnectException
            ? "connection refused"
            : e instanceof UnknownHostException
                ? "unknown host " + e.getMessage()
                : e instanceof SocketTimeoutException
                    ? "no answer in time"
                    : e instanceof SSLException ? "TLS failed: " + e.getMessage() : e.toString();
    return new Failure(
        Failure.UNREACHABLE,
        "cannot reach the API server "
            + target.server()
            + " of context \""
            + target.context()
            + "\" ("
            + why
            + "); check that the cluster runs and that this is its address (kubectl cluster-info),"
            + " or pick another context with --context",
        e);
  }

  private String authorization() {
    KubeConfig.Credentials c = target.credentials();
    if (c.token() != null) {
      return "Bearer " + c.token();
    }
    return c.basic() == null ? null : "Basic " + c.basic();
  }

  private SSLContext ssl() {
    if (ssl == null) {
      ssl = Tls.context(target);
    }
    return ssl;
  }

  private static String read(InputStream in) throws IOException {
    if (in == null) {
      return "";
    }
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
