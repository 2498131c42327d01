package io.consolidb.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The chaos cases' HTTP client: every request has a timeout, and what comes back (or does not)
 * is an {@link Answer}, never an exception, so a case can count each outcome.
 */
final class Http {

  /** What a request got: the status (-1 when no answer arrived in time), and how long it took. */
  record Answer(int status, HttpResponse<String> response, long millis) {

    boolean ok() {
      return status >= 200 && status < 300;
    }

    String header(String name) {
      return response == null ? null : response.headers().firstValue(name).orElse(null);
    }

    String body() {
      return response == null ? "" : response.body();
    }

    /** A failure the caller can act on: a problem+json answer with a 4xx/5xx status other than 500. */
    boolean clearFailure() {
      return status >= 400 && status != 500 && header("Content-Type") != null
          && header("Content-Type").startsWith("application/problem+json");
    }
  }

  private final String base;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  Http(String base) {
    this.base = base;
  }

  Answer get(String path, Duration timeout) {
    return send("GET", path, null, Map.of(), timeout);
  }

  /** {@code method path} with a JSON body (or none) and the write token. */
  Answer write(String method, String path, String json, Map<String, String> headers, Duration timeout) {
    java.util.HashMap<String, String> all = new java.util.HashMap<>(headers);
    all.put("Authorization", "Bearer " + ChaosEnv.API_TOKEN);
    return send(method, path, json, all, timeout);
  }

  Answer send(String method, String path, String json, Map<String, String> headers, Duration timeout) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    headers.forEach(request::header);
    long started = System.nanoTime();
    try {
      HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response, (System.nanoTime() - started) / 1_000_000);
    } catch (java.io.IOException e) {
      return new Answer(-1, null, (System.nanoTime() - started) / 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, null, (System.nanoTime() - started) / 1_000_000);
    }
  }
}
