package io.consolidb.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** wrk and pgbench as subprocesses, with their throughput read from their own output. */
final class ExternalTools {

  private static final Pattern WRK_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern PGBENCH_TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

  private ExternalTools() {
  }

  static boolean available(String tool) {
    try {
      Process process = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
      return process.waitFor(5, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** Requests per second of {@code wrk -t2 -c<connections> -d<seconds>s url}. */
  static double wrk(String url, int connections, int seconds) throws Exception {
    return wrk(url, connections, seconds, null);
  }

  /** The same with a Lua script ({@code -s}) that writes each request, or none when null. */
  static double wrk(String url, int connections, int seconds, java.nio.file.Path script) throws Exception {
    return wrk(url, connections, seconds, script, Map.of());
  }

  /** The same with request {@code headers} ({@code -H}). */
  static double wrk(String url, int connections, int seconds, java.nio.file.Path script, Map<String, String> headers)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency"));
    if (script != null) {
      command.addAll(List.of("-s", script.toString()));
    }
    headers.forEach((name, value) -> command.addAll(List.of("-H", name + ": " + value)));
    command.add(url);
    String out = run(command, Map.of(), seconds + 30);
    if (out.contains("Non-2xx or 3xx responses")) {
      throw new IllegalStateException("wrk saw error responses from " + url + ":\n" + out);
    }
    return parse(WRK_RPS, out, "wrk");
  }

  /** What one wrk run measured: requests/s and the latency percentiles it printed, in ms. */
  record WrkResult(double requestsPerSecond, double p50Ms, double p99Ms) {
  }

  private static final Pattern WRK_PERCENTILE = Pattern.compile("^\\s*(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$",
      Pattern.MULTILINE);

  /**
   * {@code wrk} with every connection pacing itself ({@code delay()} in the script) so that the
   * {@code connections} together offer about {@code rate} requests/s; the latencies are wrk's own
   * (from each request's send). {@code requestScript} is Lua that may define {@code request()}.
   */
  static WrkResult wrkAtRate(String url, int connections, int seconds, double rate, String requestScript,
      java.nio.file.Path scriptFile) throws Exception {
    long delayMs = Math.max(1, Math.round(connections * 1000.0 / rate));
    java.nio.file.Files.writeString(scriptFile, (requestScript == null ? "" : requestScript)
        + "\nfunction delay()\n  return " + delayMs + "\nend\n");
    String out = run(List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency", "-s",
        scriptFile.toString(), url), Map.of(), seconds + 30);
    if (out.contains("Non-2xx or 3xx responses")) {
      throw new IllegalStateException("wrk saw error responses from " + url + ":\n" + out);
    }
    double p50 = Double.NaN;
    double p99 = Double.NaN;
    Matcher m = WRK_PERCENTILE.matcher(out);
    while (m.find()) {
      double value = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
        case "us" -> 0.001;
        case "s" -> 1000.0;
        default -> 1.0;
      };
      if (m.group(1).equals("50")) {
        p50 = value;
      } else {
        p99 = value;
      }
    }
    if (Double.isNaN(p50) || Double.isNaN(p99)) {
      throw new IllegalStateException("wrk printed no latency distribution:\n" + out);
    }
    return new WrkResult(parse(WRK_RPS, out, "wrk"), p50, p99);
  }

  /**
   * Transactions per second of {@code pgbench -S -M prepared} primary-key selects, over at least
   * 3 s: on a loaded machine a 1 s run (smoke mode) once ended before its 32 clients had connected.
   */
  static double pgbenchSelect(PgTarget target, int clients, int requestedSeconds) throws Exception {
    int seconds = Math.max(requestedSeconds, 3);
    String out = run(List.of("pgbench", "-n", "-S", "-M", "prepared", "-c", Integer.toString(clients),
        "-j", "2", "-T", Integer.toString(seconds), "-h", target.host(), "-p", Integer.toString(target.port()),
        "-U", target.user(), target.database()), Map.of("PGPASSWORD", target.password()), seconds + 60);
    return pgbenchTps(out);
  }

  /** {@code pgbench -i} at the given scale, once: its accounts table is what {@code -S} reads. */
  static void pgbenchInit(PgTarget target, int scale) throws Exception {
    run(List.of("pgbench", "-i", "-q", "-s", Integer.toString(scale), "-h", target.host(), "-p",
        Integer.toString(target.port()), "-U", target.user(), target.database()),
        Map.of("PGPASSWORD", target.password()), 600);
  }

  /** Runs a script of SQL through pgbench for {@code transactions} transactions per client. */
  static double pgbenchScript(PgTarget target, String scriptPath, int clients, int transactions) throws Exception {
    String out = run(List.of("pgbench", "-n", "-f", scriptPath, "-c", Integer.toString(clients), "-j",
        Integer.toString(Math.min(clients, 2)), "-t", Integer.toString(transactions), "-h", target.host(), "-p",
        Integer.toString(target.port()), "-U", target.user(), target.database()),
        Map.of("PGPASSWORD", target.password()), 600);
    return pgbenchTps(out);
  }

  /** The throughput pgbench printed (excluding the initial connection time). */
  static double pgbenchTps(String out) {
    return parse(PGBENCH_TPS, out, "pgbench");
  }

  private static double parse(Pattern pattern, String out, String tool) {
    Matcher m = pattern.matcher(out);
    if (!m.find()) {
      throw new IllegalStateException(tool + " printed no throughput:\n" + out);
    }
    return Double.parseDouble(m.group(1));
  }

  static String run(List<String> command, Map<String, String> env, int timeoutSeconds) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(command.get(0) + " did not finish in " + timeoutSeconds + " s");
    }
    String text = new String(output, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IllegalStateException(command.get(0) + " failed (" + process.exitValue() + "):\n" + text);
    }
    return text;
  }

  /** Where pgbench connects. */
  record PgTarget(String host, int port, String user, String password, String database) {
  }
}
