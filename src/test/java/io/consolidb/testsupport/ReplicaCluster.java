package io.consolidb.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The streaming replica of {@code REPLICA=1 scripts/services.sh up}, driven through the cluster's
 * own tools as an operator would: SQL as the postgres superuser on its socket, and what it says of
 * itself when a test finds it unusable.
 */
public final class ReplicaCluster {

  private ReplicaCluster() {
  }

  /** SQL as the postgres superuser on the replica's socket (pausing replay needs it); its output. */
  public static String superuser(String sql) {
    return run("runuser", "-u", "postgres", "--", "psql", "--cluster",
        TestServices.replicaSetting("TEST_REPLICA_PG_CLUSTER"), "-X", "-q", "-At", "-d", "postgres", "-c", sql);
  }

  /**
   * One line on the replica's own state (recovery, replay, WAL receiver, connections), or why it
   * could not be read: for a failure message, never thrown.
   */
  public static String describe() {
    try {
      return superuser("SELECT format('in recovery %s, replayed %s, replay paused %s, receiver %s,"
          + " %s of %s connections', pg_is_in_recovery(), pg_last_wal_replay_lsn(), pg_is_wal_replay_paused(),"
          + " coalesce((SELECT status FROM pg_stat_wal_receiver), 'none'), (SELECT count(*) FROM pg_stat_activity),"
          + " current_setting('max_connections'))").trim();
    } catch (RuntimeException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  /** Runs {@code command} (60 s at most); its output, or an exception naming the exit code. */
  public static String run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).directory(new File("/")).start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within 60 s");
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue() + ": " + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
