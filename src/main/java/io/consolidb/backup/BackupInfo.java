package io.consolidb.backup;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What {@code pgbackrest info --output=json} says about one stanza: its status and its newest good
 * backup (pgBackRest lists backups oldest first; a backup marked {@code error} is not good).
 *
 * @param stanza        the stanza's name
 * @param statusCode    pgBackRest's status code (0 ok, 2 no valid backups, …)
 * @param statusMessage its message
 * @param backups       how many backups the repository keeps
 * @param last          the newest good backup, if any
 */
public record BackupInfo(String stanza, int statusCode, String statusMessage, int backups, Optional<Backup> last) {

  /** One backup: its label, type (full, diff, incr), start and stop, database and repository sizes. */
  public record Backup(String label, String type, Instant started, Instant finished, long sizeBytes,
      long repositorySizeBytes, String lsnStop) {

    public Duration age(Instant now) {
      return Duration.between(finished, now);
    }

    public JsonObject toJson(Instant now) {
      return new JsonObject().put("label", label).put("type", type).put("started", started.toString())
          .put("finished", finished.toString()).put("ageSeconds", age(now).toSeconds())
          .put("sizeBytes", sizeBytes).put("repositorySizeBytes", repositorySizeBytes).put("lsnStop", lsnStop);
    }
  }

  /**
   * Parses the JSON for {@code stanza}.
   *
   * @throws IllegalArgumentException when the text is not pgBackRest's info JSON or lacks the stanza
   */
  public static BackupInfo parse(String json, String stanza) {
    JsonArray stanzas;
    try {
      stanzas = new JsonArray(json.strip());
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("pgbackrest info did not print JSON");
    }
    for (int i = 0; i < stanzas.size(); i++) {
      JsonObject entry = stanzas.getJsonObject(i);
      if (stanza.equals(entry.getString("name"))) {
        return of(entry);
      }
    }
    throw new IllegalArgumentException("pgbackrest info knows no stanza " + stanza);
  }

  private static BackupInfo of(JsonObject entry) {
    JsonObject status = entry.getJsonObject("status", new JsonObject());
    JsonArray list = entry.getJsonArray("backup", new JsonArray());
    Backup last = null;
    for (int i = 0; i < list.size(); i++) {
      JsonObject b = list.getJsonObject(i);
      if (b.getBoolean("error", false)) {
        continue;
      }
      JsonObject timestamp = b.getJsonObject("timestamp", new JsonObject());
      JsonObject info = b.getJsonObject("info", new JsonObject());
      Backup candidate = new Backup(b.getString("label"), b.getString("type"),
          Instant.ofEpochSecond(timestamp.getLong("start", 0L)), Instant.ofEpochSecond(timestamp.getLong("stop", 0L)),
          info.getLong("size", 0L), info.getJsonObject("repository", new JsonObject()).getLong("size", 0L),
          b.getJsonObject("lsn", new JsonObject()).getString("stop"));
      if (last == null || !candidate.finished().isBefore(last.finished())) {
        last = candidate;
      }
    }
    return new BackupInfo(entry.getString("name"), status.getInteger("code", -1), status.getString("message", "?"),
        list.size(), Optional.ofNullable(last));
  }

  /** A byte count the way an operator reads it (1024-based, one decimal). */
  public static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = n;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  /** An age the way an operator reads it: 42 s, 17 min, 5.2 h, 3.1 d. */
  public static String age(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 120) {
      return s + " s";
    }
    if (s < 7200) {
      return s / 60 + " min";
    }
    if (s < 172800) {
      return String.format(java.util.Locale.ROOT, "%.1f h", s / 3600.0);
    }
    return String.format(java.util.Locale.ROOT, "%.1f d", s / 86400.0);
  }
}
