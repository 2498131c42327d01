package io.consolidb.bench;

import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.concurrent.TimeUnit;

/**
 * Time from a process start to the first 200 on {@code /health/ready} (schema migrated, nothing
 * seeded: the database of the run), with the Deployment's JVM flags, with and without an AppCDS
 * archive trained the way {@code k8s/Dockerfile} trains it ({@code consolidb train}, without a
 * database). The two kinds of start alternate; the ratio is without ÷ with of the
 * median times, so above 1 means the archive helps; each side starts once more first, as warm-up
 * of the file cache.
 */
final class StartupTime {

  /** How often readiness is asked: the resolution of the measurement. */
  private static final long POLL_MS = 20;
  private static final Duration READY_WITHIN = Duration.ofSeconds(120);

  private StartupTime() {
  }

  /** {@code pairs} starts of each kind after a training start; the archive is written under {@code out}. */
  static Comparison compare(Path jar, String jvmFlags, Map<String, String> env, Path out, int pairs) throws Exception {
    Path archive = out.resolve("consolidb.jsa").toAbsolutePath();
    Files.deleteIfExists(archive);
    train(jar, jvmFlags + " -XX:ArchiveClassesAtExit=" + archive, out.resolve("startup-training.log"));
    if (!Files.isRegularFile(archive)) {
      throw new IllegalStateException("the training start wrote no AppCDS archive: " + out.resolve("startup-training.log"));
    }
    return Comparison.run("start_to_ready_cds_speedup", "s to ready (lower is better)",
        "without_archive", () -> timeToReady(jar, jvmFlags, env, out.resolve("startup-plain.log")),
        "with_archive", () -> timeToReady(jar, jvmFlags + " -XX:SharedArchiveFile=" + archive, env,
            out.resolve("startup-cds.log")), pairs);
  }

  /**
   * The training run of {@code k8s/Dockerfile}, so the archive is the one the image ships:
   * {@code consolidb train} with no database or Redis to reach; the JVM writes the archive as the
   * command exits.
   */
  private static void train(Path jar, String jvmFlags, Path log) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Arrays.asList(jvmFlags.trim().split("\\s+")));
    command.addAll(List.of("-jar", jar.toString(), "train"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(Map.of("CONSOLIDB_ENV", "development", "DB_MIGRATE", "false",
        "DATABASE_URL", "postgresql://training@127.0.0.1:1/none", "REDIS_URL", "redis://127.0.0.1:1"));
    // a replica inherited from the shell (scripts/services.sh with REPLICA=1) would name another database
    builder.environment().remove("DATABASE_READ_URL");
    Process process = builder.start();
    if (!process.waitFor(READY_WITHIN.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("the training run did not end within " + READY_WITHIN + ": " + log);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException("the training run exited " + process.exitValue() + ": " + log);
    }
  }

  /** Seconds from the JVM's start to the first 200 on /health/ready; then the node is stopped by SIGTERM. */
  static double timeToReady(Path jar, String jvmFlags, Map<String, String> env, Path log) throws Exception {
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Arrays.asList(jvmFlags.trim().split("\\s+")));
    command.addAll(List.of("-jar", jar.toString(), "run"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().remove("DATABASE_READ_URL"); // as NodeProcess: the run's database has no replica
    builder.environment().putAll(env);
    builder.environment().put("HTTP_PORT", Integer.toString(port));
    builder.environment().put("HTTP_HOST", "127.0.0.1");
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
        .timeout(Duration.ofSeconds(2)).build();
    long started = System.nanoTime();
    Process process = builder.start();
    try {
      while (System.nanoTime() - started < READY_WITHIN.toNanos()) {
        if (!process.isAlive()) {
          throw new IllegalStateException("node exited during start: " + Files.readString(log));
        }
        try {
          if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return (System.nanoTime() - started) / 1e9;
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(POLL_MS);
      }
      throw new IllegalStateException("node not ready within " + READY_WITHIN + ": " + log);
    } finally {
      process.destroy(); // SIGTERM: the node's graceful stop, after which the JVM writes a trained archive
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
