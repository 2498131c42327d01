package io.consolidb.backup;

import io.consolidb.config.SecretMasker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code pgbackrest} program with a deadline: a hung pgBackRest (a lock held, a repository
 * that does not answer) is killed with its children and reported, never waited on. Output goes to
 * temporary files rather than pipes, so a chatty run cannot block on a full pipe either.
 *
 * @param program  the pgbackrest executable (a name on the PATH or a path)
 * @param config   its configuration file, or null for pgBackRest's own default / {@code PGBACKREST_CONFIG}
 * @param stanza   the stanza to act on
 * @param runAs    an OS user to run it as through {@code runuser} (when this process is root and the
 *                 repository belongs to postgres), or null
 */
public record PgBackRest(String program, String config, String stanza, String runAs) {

  /** What one run printed and how it ended. */
  public record Result(int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** The line that says why it failed: pgBackRest's last ERROR line, else the last line printed. */
    public String reason() {
      List<String> lines = new ArrayList<>(stderr.lines().filter(l -> !l.isBlank()).toList());
      lines.addAll(stdout.lines().filter(l -> !l.isBlank()).toList());
      String line = lines.stream().filter(l -> l.contains("ERROR")).reduce((a, b) -> b)
          .orElse(lines.isEmpty() ? "no output" : lines.get(lines.size() - 1));
      return SecretMasker.maskText("exit " + exitCode + ": " + line.strip());
    }
  }

  /** pgBackRest did not finish within the deadline; it has been killed. */
  public static final class TimedOut extends Exception {
    TimedOut(String command, Duration timeout) {
      super(command + " did not finish within " + timeout.toSeconds() + " s (killed)");
    }
  }

  /** The command line of {@code pgbackrest <command> <options>}. */
  List<String> commandLine(String command, List<String> options) {
    List<String> line = new ArrayList<>();
    if (runAs != null && !runAs.isBlank()) {
      line.addAll(List.of("runuser", "-u", runAs, "--"));
    }
    line.add(program);
    if (config != null && !config.isBlank()) {
      line.add("--config=" + config);
    }
    line.add("--stanza=" + stanza);
    line.addAll(options);
    line.add(command);
    return line;
  }

  /**
   * Runs {@code pgbackrest <command>} and waits at most {@code timeout}.
   *
   * @throws IOException when the program cannot be started (not installed, not executable)
   */
  public Result run(String command, List<String> options, Duration timeout)
      throws IOException, TimedOut, InterruptedException {
    Path out = Files.createTempFile("pgbackrest-", ".out");
    Path err = Files.createTempFile("pgbackrest-", ".err");
    try {
      // the working directory must be readable by the user runuser switches to
      Process process = new ProcessBuilder(commandLine(command, options)).directory(Path.of("/").toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        throw new TimedOut("pgbackrest " + command, timeout);
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
