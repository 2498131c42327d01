package io.consolidb.cli;

import io.consolidb.backup.BackupInfo;
import io.consolidb.backup.BackupRecorder;
import io.consolidb.config.NodeSettings;
import io.consolidb.config.SecretMasker;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --record}: after the backup commands, writes the newest good backup into the node
 * database's {@code backup_runs} (DATABASE_URL and the other settings as for {@code run}), so the
 * nodes can report its age. Prints one {@code record} line.
 */
final class BackupRecording {

  private static final long TIMEOUT_MS = 10_000;

  @Mixin
  ConfigOptions config = new ConfigOptions();

  @Option(names = "--record", description = "record the newest good backup in the database's backup_runs table"
      + " (DATABASE_URL), where the nodes read its age for /health and consolidb_backup_age_seconds")
  boolean enabled;

  /** Records {@code backup}; returns the exit code (0, 2 bad configuration, 3 not recorded). */
  int record(PrintStream out, String stanza, BackupInfo.Backup backup) {
    NodeSettings settings = config.load(Map.of());
    if (settings == null) {
      return ConfigOptions.INVALID_CONFIG;
    }
    String where = settings.database().maskedUrl();
    Vertx vertx = Vertx.vertx();
    try {
      boolean added = BackupRecorder.record(vertx, settings.database(), stanza, backup, TIMEOUT_MS);
      out.println("record      OK   " + backup.label() + (added ? " recorded in" : " was already in")
          + " backup_runs of " + where);
      return 0;
    } catch (Exception e) {
      out.println("record      FAIL " + where + ": " + settings.database().tls().explain(e)
          .orElseGet(() -> SecretMasker.maskText(e instanceof java.util.concurrent.TimeoutException
              ? "no answer within " + TIMEOUT_MS + " ms" : String.valueOf(e.getMessage()))));
      return ConfigOptions.DEPENDENCY_FAILED;
    } finally {
      try {
        vertx.close().await(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // the process exits next
      }
    }
  }
}
