package io.consolidb.bench;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The node under test as its own process, started from the fat jar with the JVM flags of the
 * Kubernetes manifests, so its resident memory is the node's alone.
 */
public final class NodeProcess implements AutoCloseable {

  private final Process process;
  private final int port;
  private volatile long peakRssKib;
  private final Thread sampler;

  /** A token with the metrics scope every node started here holds ({@code /metrics/summary}). */
  static final String METRICS_TOKEN = "bench-metrics-" + java.util.UUID.randomUUID();

  private NodeProcess(Process process, int port) {
    this.process = process;
    this.port = port;
    this.sampler = new Thread(this::sample, "rss-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  public static NodeProcess start(Path jar, String jvmFlags, int port, Map<String, String> env, Path log) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Arrays.asList(jvmFlags.trim().split("\\s+")));
    command.addAll(List.of("-jar", jar.toString(), "run"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    // the harness's shell may hold the replica of scripts/services.sh (REPLICA=1): a node of the
    // benchmark reads the benchmark database on its primary unless a scenario says otherwise
    builder.environment().remove("DATABASE_READ_URL");
    builder.environment().putAll(env);
    builder.environment().put("HTTP_PORT", Integer.toString(port));
    builder.environment().put("HTTP_HOST", "127.0.0.1");
    builder.environment().putIfAbsent("HTTP_TOKENS", "bench-metrics:metrics:" + METRICS_TOKEN);
    NodeProcess node = new NodeProcess(builder.start(), port);
    node.awaitReady(Duration.ofSeconds(120), log);
    return node;
  }

  private void awaitReady(Duration timeout, Path log) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("node exited: " + Files.readString(log));
      }
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url("/health/ready")))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("node not ready within " + timeout);
  }

  /**
   * GETs {@code path} (must answer 200) and checks its {@code X-Cache} header equals
   * {@code expected} (not checked when null).
   */
  void expectCacheMark(String path, String expected) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url(path)))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    String mark = response.headers().firstValue("X-Cache").orElse(null);
    if (response.statusCode() != 200 || (expected != null && !expected.equals(mark))) {
      throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + " with X-Cache "
          + mark + ", expected 200 with " + expected);
    }
  }

  /**
   * The {@code ETag} of {@code path}, checked: asked again with it in {@code If-None-Match}, the
   * node answers 304 with no body.
   */
  String expectNotModified(String path) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> first = client.send(HttpRequest.newBuilder(URI.create(url(path)))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    String etag = first.headers().firstValue("ETag")
        .orElseThrow(() -> new IllegalStateException("GET " + path + " answered without an ETag"));
    HttpResponse<String> again = client.send(HttpRequest.newBuilder(URI.create(url(path))).header("If-None-Match", etag)
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (again.statusCode() != 304 || !again.body().isEmpty()) {
      throw new IllegalStateException("GET " + path + " with If-None-Match " + etag + " answered " + again.statusCode());
    }
    return etag;
  }

  /**
   * The node's cache counters from {@code GET /metrics/summary}: {@code hits}, {@code misses}
   * (a request counts once, at whichever tier answered) and per tier ({@code local_hits}, …).
   */
  JsonObject cacheCounters() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(url("/metrics/summary"))).header("Authorization", "Bearer " + METRICS_TOKEN)
        .timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonObject stats = new JsonObject(response.body()).getJsonObject("cache_stats");
    JsonObject counters = new JsonObject().put("hits", stats.getLong("hits")).put("misses", stats.getLong("misses"));
    for (String tier : new String[] {"local", "redis"}) {
      JsonObject t = stats.getJsonObject("tiers", new JsonObject()).getJsonObject(tier, new JsonObject());
      counters.put(tier + "_hits", t.getLong("hits", 0L)).put(tier + "_misses", t.getLong("misses", 0L));
    }
    return counters;
  }

  /** after − before, field by field. */
  static JsonObject delta(JsonObject before, JsonObject after) {
    JsonObject delta = new JsonObject();
    after.fieldNames().forEach(k -> delta.put(k, after.getLong(k) - before.getLong(k, 0L)));
    return delta;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** Peak resident set size seen by the sampler, in MiB (the kernel's VmHWM when available). */
  public double peakRssMib() {
    long hwm = readStatus("VmHWM:");
    return Math.max(hwm, peakRssKib) / 1024.0;
  }

  private void sample() {
    while (process.isAlive()) {
      peakRssKib = Math.max(peakRssKib, readStatus("VmRSS:"));
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private long readStatus(String field) {
    File status = new File("/proc/" + process.pid() + "/status");
    try {
      for (String line : Files.readAllLines(status.toPath())) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      // process gone or /proc missing: keep the last sample
    }
    return 0;
  }

  /** The node's process id (its sockets and file descriptors, for fault injection). */
  public long pid() {
    return process.pid();
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
