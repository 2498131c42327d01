package io.consolidb.cli;

import io.consolidb.backup.BackupInfo;
import io.consolidb.backup.PgBackRest;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Reads {@code pgbackrest info --output=json} and prints the newest good backup: type, label, when
 * it finished, its age and sizes; with {@code --record}, records it for the nodes. Exit 0 when there
 * is one, 3 when there is none, pgBackRest fails or it could not be recorded.
 */
@Command(name = "status", description = "Print the last good backup of the stanza (type, time, age, size).")
public final class BackupStatusCommand implements Callable<Integer> {

  @Mixin
  PgBackRestOptions pgbackrest = new PgBackRestOptions();

  @Mixin
  BackupRecording recording = new BackupRecording();

  @Option(names = "--json", description = "print one JSON object instead of a line")
  boolean json;

  @Option(names = "--info-file", paramLabel = "FILE",
      description = "read this output of `pgbackrest info --output=json` instead of running pgbackrest"
          + " (written there by a backup job running in another image)")
  java.nio.file.Path infoFile;

  @Option(names = "--timeout-seconds", paramLabel = "S", defaultValue = "60",
      description = "give up on pgbackrest info after this (default ${DEFAULT-VALUE})")
  long timeoutSeconds;

  private final PrintStream out = System.out;

  @Override
  public Integer call() {
    if (timeoutSeconds < 1) {
      System.err.println("backup status: --timeout-seconds must be at least 1");
      return ConfigOptions.INVALID_CONFIG;
    }
    BackupInfo info;
    try {
      info = infoFile == null ? read(pgbackrest.pgBackRest(), Duration.ofSeconds(timeoutSeconds)) : readFile();
    } catch (BackupFailure e) {
      out.println(json ? new io.vertx.core.json.JsonObject().put("stanza", pgbackrest.stanza)
          .put("error", e.getMessage()).encode() : "backup      FAIL " + e.getMessage());
      return ConfigOptions.DEPENDENCY_FAILED;
    }
    Instant now = Instant.now();
    if (json) {
      out.println(new io.vertx.core.json.JsonObject().put("stanza", info.stanza()).put("status", info.statusMessage())
          .put("backups", info.backups()).put("last", info.last().map(b -> b.toJson(now)).orElse(null)).encode());
    } else if (info.last().isPresent()) {
      BackupInfo.Backup b = info.last().get();
      out.println("backup      OK   last good backup of stanza " + info.stanza() + ": " + b.type() + " " + b.label()
          + " finished " + b.finished() + " (" + BackupInfo.age(b.age(now)) + " ago), "
          + BackupInfo.bytes(b.sizeBytes()) + " (" + BackupInfo.bytes(b.repositorySizeBytes()) + " in the repository); "
          + info.backups() + " backup(s) kept");
    } else {
      out.println("backup      NONE stanza " + info.stanza() + " has no good backup (" + info.statusMessage() + ")");
    }
    if (info.last().isEmpty()) {
      return ConfigOptions.DEPENDENCY_FAILED;
    }
    return recording.enabled ? recording.record(json ? System.err : out, info.stanza(), info.last().get()) : 0;
  }

  private BackupInfo readFile() throws BackupFailure {
    try {
      return BackupInfo.parse(java.nio.file.Files.readString(infoFile), pgbackrest.stanza);
    } catch (IOException e) {
      throw new BackupFailure("cannot read " + infoFile + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new BackupFailure(infoFile + ": " + e.getMessage());
    }
  }

  /** The stanza's info, or a {@link BackupFailure} saying in one line why it could not be read. */
  static BackupInfo read(PgBackRest pgbackrest, Duration timeout) throws BackupFailure {
    try {
      PgBackRest.Result result = pgbackrest.run("info", List.of("--output=json"), timeout);
      if (!result.ok()) {
        throw new BackupFailure("pgbackrest info failed, " + result.reason());
      }
      BackupInfo info = BackupInfo.parse(result.stdout(), pgbackrest.stanza());
      if (info.statusCode() != 0 && info.statusCode() != 2) { // 2: no valid backups, which callers report
        throw new BackupFailure("stanza " + pgbackrest.stanza() + ": " + info.statusMessage());
      }
      return info;
    } catch (IOException e) {
      throw new BackupFailure("cannot run " + pgbackrest.program() + ": " + e.getMessage());
    } catch (PgBackRest.TimedOut | IllegalArgumentException e) {
      throw new BackupFailure(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackupFailure("interrupted");
    }
  }

  /** Why pgBackRest could not do what was asked, in one line. */
  static final class BackupFailure extends Exception {
    BackupFailure(String message) {
      super(message);
    }
  }
}
