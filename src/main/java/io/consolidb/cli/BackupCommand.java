package io.consolidb.cli;

import io.consolidb.backup.BackupInfo;
import io.consolidb.backup.PgBackRest;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Takes a backup through pgBackRest (full, differential or incremental; pgBackRest makes a full one
 * when none exists yet) and prints the backup it made. Retention is pgBackRest's own
 * ({@code repo1-retention-full}): it expires older backups and their WAL after each backup. The run is
 * bounded: a pgbackrest still running after {@code --timeout-seconds} is killed and the command
 * fails. With {@code --record} the backup is then recorded for the nodes ({@link BackupRecording}).
 * Exit 0 done, 2 bad options, 3 pgBackRest failed or timed out, or the backup was not recorded.
 */
@Command(name = "backup", description = "Back up the database through pgBackRest (docs/BACKUPS.md).",
    subcommands = BackupStatusCommand.class)
public final class BackupCommand implements Callable<Integer> {

  enum Type { full, diff, incr }

  @Mixin
  PgBackRestOptions pgbackrest = new PgBackRestOptions();

  @Mixin
  BackupRecording recording = new BackupRecording();

  @Option(names = "--type", paramLabel = "TYPE", defaultValue = "incr",
      description = "full | diff | incr (default ${DEFAULT-VALUE}; the first backup is always full)")
  Type type;

  @Option(names = "--retention-full", paramLabel = "N",
      description = "full backups to keep (repo1-retention-full; default: the pgBackRest configuration's)")
  Integer retentionFull;

  @Option(names = "--timeout-seconds", paramLabel = "S", defaultValue = "${env:BACKUP_TIMEOUT_SECONDS:-3600}",
      description = "kill pgbackrest and fail after this (BACKUP_TIMEOUT_SECONDS, default ${DEFAULT-VALUE})")
  long timeoutSeconds;

  private final PrintStream out = System.out;

  @Override
  public Integer call() {
    if (timeoutSeconds < 1 || retentionFull != null && (retentionFull < 1 || retentionFull > 9_999_999)) {
      System.err.println("backup: --timeout-seconds must be at least 1 and --retention-full from 1 to 9999999");
      return ConfigOptions.INVALID_CONFIG;
    }
    PgBackRest runner = pgbackrest.pgBackRest();
    List<String> options = new ArrayList<>(List.of("--type=" + type));
    if (retentionFull != null) {
      options.add("--repo1-retention-full=" + retentionFull);
    }
    long started = System.nanoTime();
    try {
      PgBackRest.Result result = runner.run("backup", options, Duration.ofSeconds(timeoutSeconds));
      if (!result.ok()) {
        out.println("backup      FAIL " + type + " backup of stanza " + runner.stanza() + ": " + result.reason());
        return ConfigOptions.DEPENDENCY_FAILED;
      }
    } catch (IOException e) {
      out.println("backup      FAIL cannot run " + runner.program() + ": " + e.getMessage());
      return ConfigOptions.DEPENDENCY_FAILED;
    } catch (PgBackRest.TimedOut e) {
      out.println("backup      FAIL " + e.getMessage());
      return ConfigOptions.DEPENDENCY_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ConfigOptions.DEPENDENCY_FAILED;
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    try {
      BackupInfo info = BackupStatusCommand.read(runner, Duration.ofSeconds(Math.min(timeoutSeconds, 60)));
      BackupInfo.Backup b = info.last().orElseThrow(
          () -> new BackupStatusCommand.BackupFailure("pgbackrest lists no good backup after a successful run"));
      out.println(String.format(java.util.Locale.ROOT, "backup      OK   %s backup %s of stanza %s: %s (%s in the"
              + " repository) in %.1f s; %d backup(s) kept", b.type(), b.label(), info.stanza(),
          BackupInfo.bytes(b.sizeBytes()), BackupInfo.bytes(b.repositorySizeBytes()), seconds, info.backups()));
      return recording.enabled ? recording.record(out, info.stanza(), b) : 0;
    } catch (BackupStatusCommand.BackupFailure e) {
      out.println("backup      FAIL the backup ran but its result cannot be read: " + e.getMessage());
      return ConfigOptions.DEPENDENCY_FAILED;
    }
  }
}
