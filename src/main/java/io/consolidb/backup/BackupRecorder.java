package io.consolidb.backup;

import io.consolidb.config.DatabaseSettings;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

/**
 * Records a good backup in the {@code backup_runs} table of the node's database, where every node
 * reads the age of the last one (they have no pgBackRest of their own). Connects the way the node
 * does (same options, TLS included); bounded by {@code timeoutMs}.
 */
public final class BackupRecorder {

  private BackupRecorder() {}

  /**
   * Inserts {@code backup} unless its label is there already.
   *
   * @return true when the row was new
   */
  public static boolean record(Vertx vertx, DatabaseSettings database, String stanza, BackupInfo.Backup backup,
      long timeoutMs) throws Exception {
    Pool pool = database.singleConnectionPool(vertx);
    try {
      return pool.preparedQuery("INSERT INTO backup_runs (label, stanza, backup_type, started_at, finished_at,"
              + " size_bytes, repository_size_bytes, lsn_stop) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
              + " ON CONFLICT (label) DO NOTHING")
          .execute(Tuple.of(backup.label(), stanza, backup.type(), backup.started().atOffset(ZoneOffset.UTC),
              backup.finished().atOffset(ZoneOffset.UTC), backup.sizeBytes(), backup.repositorySizeBytes(),
              backup.lsnStop()))
          .await(timeoutMs, TimeUnit.MILLISECONDS).rowCount() == 1;
    } finally {
      pool.close();
    }
  }
}
