package io.consolidb.cli;

import io.consolidb.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs the command line as an operator would, in this JVM: its settings as system properties
 * ({@link #set}, undone by {@link #restore}) and its standard output and error captured.
 */
final class CommandRun {

  private final Map<String, String> previous = new HashMap<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  /** The exit code of {@code consolidb <args>}; what it printed is added to {@link #stdout()} and {@link #stderr()}. */
  int run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return new CommandLine(new Main()).execute(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  /** A setting (environment variable name) for the next runs. */
  void set(String name, String value) {
    // not putIfAbsent: it would take a key that held null (a property unset before) for absent
    if (!previous.containsKey(name)) {
      previous.put(name, System.getProperty(name));
    }
    System.setProperty(name, value);
  }

  /** Puts back the system properties {@link #set} changed. */
  void restore() {
    previous.forEach((name, value) -> {
      if (value == null) {
        System.clearProperty(name);
      } else {
        System.setProperty(name, value);
      }
    });
    previous.clear();
  }

  String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** Forgets what was printed so far. */
  void clearOutput() {
    out.reset();
    err.reset();
  }
}
