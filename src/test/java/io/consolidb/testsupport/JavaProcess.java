package io.consolidb.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A class's {@code main} in a JVM of its own, on the tests' classpath: for behaviour that needs
 * a separate process (a rogue cluster member, a node killed or frozen); or a command that ends in
 * a JVM ({@link #exec}: the fat jar behind a sandbox). Lines the process prints
 * starting with {@code >> } are reports, read with {@link #report}; everything it prints also goes
 * to {@code target/<name>.log}.
 */
public final class JavaProcess implements AutoCloseable {

  private static final String REPORT = ">> ";

  private final Process process;
  private final Path log;
  private final BlockingQueue<String> reports = new LinkedBlockingQueue<>();
  private final Thread reader;

  private JavaProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
    this.reader = new Thread(() -> read(log), "java-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code main} with {@code args} and the environment {@code env} added. */
  public static JavaProcess start(String name, Class<?> main, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    try {
      return new JavaProcess(builder.start(), Path.of("target", name + ".log"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + main.getName(), e);
    }
  }

  /**
   * Starts {@code command} as given, in {@code directory}, with exactly the environment {@code env}
   * (nothing inherited from this JVM): a JVM behind a launcher, e.g. the fat jar in a sandbox.
   */
  public static JavaProcess exec(String name, List<String> command, Map<String, String> env, Path directory) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    try {
      return new JavaProcess(builder.start(), Path.of("target", name + ".log"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command.get(0), e);
    }
  }

  private void read(Path log) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        var out = java.nio.file.Files.newBufferedWriter(log)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        out.write(line);
        out.newLine();
        out.flush();
        if (line.startsWith(REPORT)) {
          reports.add(line.substring(REPORT.length()));
        }
      }
    } catch (IOException e) {
      // the process is gone
    }
  }

  /** The next report, waiting up to {@code seconds}; fails if none comes or the process ended. */
  public String report(long seconds) throws InterruptedException {
    String line = reports.poll(seconds, TimeUnit.SECONDS);
    if (line == null) {
      throw new IllegalStateException("no report within " + seconds + " s (alive: " + process.isAlive() + ")");
    }
    return line;
  }

  /** Writes one line to the process's standard input. */
  public void tell(String line) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /**
   * Sends SIGTERM and returns at once. Through the process handle: {@code Process.destroy()}
   * also closes our ends of its pipes, and what it logs while stopping would be lost.
   */
  public void terminate() {
    process.toHandle().destroy();
  }

  /** Sends SIGKILL: the process dies without running anything (a crashed node). */
  public void kill() {
    process.toHandle().destroyForcibly();
  }

  /**
   * The exit code, waiting up to {@code seconds}; -1 if the process is still running then. Once it
   * has exited, its log is complete.
   */
  public int exitCode(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      return -1;
    }
    reader.join(5000);
    return process.exitValue();
  }

  /** Everything the process printed so far (all of it once {@link #exitCode} returned its code). */
  public String output() {
    try {
      return java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      return ""; // nothing read yet
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
