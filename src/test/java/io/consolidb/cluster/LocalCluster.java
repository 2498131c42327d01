package io.consolidb.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The multi-process cluster of {@code scripts/cluster.sh}, driven from a test: every command runs
 * the script itself (so the script is what is tested), with one fixed environment, and each line
 * it prints is kept with the time it arrived ({@link #timeline}), e.g. when {@code rolling-restart}
 * stopped which node. Reads a node's {@code /health} and {@code /health/ready} over HTTP.
 */
final class LocalCluster {

  /** A line the script printed, and when (epoch ms). */
  record Line(long atMs, String text) {
  }

  private static final Path SCRIPT = Path.of("scripts", "cluster.sh");

  private final Map<String, String> env;
  private final Path stateDir;
  private final int httpBase;
  private final int hazelcastBase;
  private final int nodes;
  private final List<Line> timeline = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  /**
   * @param env what every run of the script gets on top of this JVM's environment; it must name
   *     {@code CLUSTER_STATE_DIR}, {@code CLUSTER_HTTP_BASE} and {@code CLUSTER_HZ_BASE}
   */
  LocalCluster(Map<String, String> env, int nodes) {
    this.env = Map.copyOf(env);
    this.stateDir = Path.of(env.get("CLUSTER_STATE_DIR"));
    this.httpBase = Integer.parseInt(env.get("CLUSTER_HTTP_BASE"));
    this.hazelcastBase = Integer.parseInt(env.get("CLUSTER_HZ_BASE"));
    this.nodes = nodes;
  }

  int nodes() {
    return nodes;
  }

  /** Runs {@code scripts/cluster.sh args…} to its end (at most {@code timeoutSeconds}); fails unless it exits 0. */
  void run(long timeoutSeconds, String... args) {
    int exit = runAllowingFailure(timeoutSeconds, args);
    if (exit != 0) {
      throw new IllegalStateException("scripts/cluster.sh " + String.join(" ", args) + " exited " + exit
          + "; its output:\n" + String.join("\n", timeline.stream().map(Line::text).toList()));
    }
  }

  /** Runs {@code scripts/cluster.sh args…} and returns its exit code. */
  int runAllowingFailure(long timeoutSeconds, String... args) {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    record("$ scripts/cluster.sh " + String.join(" ", args));
    try {
      Process process = builder.start();
      Thread out = follow(process.getInputStream());
      Thread err = follow(process.getErrorStream());
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException("scripts/cluster.sh " + String.join(" ", args) + " still running after "
            + timeoutSeconds + " s");
      }
      out.join(5000);
      err.join(5000);
      return process.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + SCRIPT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Thread follow(InputStream stream) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          record(line);
        }
      } catch (IOException e) {
        // the script ended
      }
    }, "cluster-sh-output");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  private void record(String line) {
    timeline.add(new Line(System.currentTimeMillis(), line));
    System.out.println("[cluster.sh] " + line);
  }

  /** Every line the script printed so far, in order. */
  List<Line> timeline() {
    return List.copyOf(timeline);
  }

  /** When the script first printed a line containing {@code text} at or after {@code fromMs}. */
  Optional<Long> printed(String text, long fromMs) {
    return timeline.stream().filter(l -> l.atMs() >= fromMs && l.text().contains(text)).map(Line::atMs).findFirst();
  }

  String httpUrl(int node) {
    return "http://127.0.0.1:" + (httpBase + node);
  }

  /** The node's Hazelcast address, as {@code /health} lists it under {@code cluster.member_list}. */
  String memberAddress(int node) {
    return "127.0.0.1:" + (hazelcastBase + node);
  }

  /** The cluster secret {@code cluster.sh up} generated. */
  String secret() throws IOException {
    return Files.readString(stateDir.resolve("secret")).strip();
  }

  Path log(int node) {
    return stateDir.resolve("node" + node + ".log");
  }

  /** The pid of the node's JVM while it runs (the script's pid file), else empty. */
  Optional<Long> pid(int node) {
    try {
      Path file = stateDir.resolve("node" + node + ".pid");
      if (!Files.exists(file)) {
        return Optional.empty();
      }
      long pid = Long.parseLong(Files.readString(file).strip());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> pid);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The addresses in the node's {@code /health} {@code cluster.member_list}; empty when it does not answer. */
  Optional<Set<String>> members(int node) {
    return health(node).map(report -> {
      JsonObject cluster = report.getJsonObject("cluster", new JsonObject());
      JsonArray list = cluster.getJsonArray("member_list", new JsonArray());
      Set<String> addresses = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        addresses.add(list.getJsonObject(i).getString("address"));
      }
      return addresses;
    });
  }

  /** The node's {@code /health} report (200 or 503), or empty when it does not answer within 1 s. */
  Optional<JsonObject> health(int node) {
    try {
      HttpResponse<String> response = get(node, "/health", 1000);
      return Optional.of(new JsonObject(response.body()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code /health/ready} answers 200 within {@code timeoutMs}: a load balancer would send it requests. */
  boolean ready(int node, long timeoutMs) {
    try {
      return get(node, "/health/ready", timeoutMs).statusCode() == 200;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private HttpResponse<String> get(int node, String path, long timeoutMs) throws IOException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(httpUrl(node) + path))
          .timeout(Duration.ofMillis(timeoutMs)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
