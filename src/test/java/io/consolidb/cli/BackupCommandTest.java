package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.http.TestNode;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code consolidb backup} and {@code backup status} against the real pgBackRest repository of the
 * backup cluster ({@code scripts/services.sh up}); the failure paths with a pgbackrest that hangs,
 * is missing or prints what it should not.
 */
class BackupCommandTest {

  private static final Pattern LABEL = Pattern.compile("(\\d{8}-\\d{6}F(?:_\\d{8}-\\d{6}[DI])?)");

  private final CommandRun cli = new CommandRun();

  @TempDir
  Path dir;

  @AfterEach
  void restore() {
    cli.restore();
  }

  /** The repository of the backup cluster; as root, pgBackRest runs as postgres, which owns it. */
  private static List<String> repo(String... args) {
    List<String> line = new ArrayList<>(List.of(args));
    line.addAll(List.of("--pgbackrest-config", TestServices.backupSetting("TEST_PGBACKREST_CONFIG"),
        "--stanza", TestServices.backupSetting("TEST_PGBACKREST_STANZA")));
    if ("root".equals(System.getProperty("user.name"))) {
      line.addAll(List.of("--run-as", "postgres"));
    }
    return line;
  }

  private int run(List<String> args) {
    cli.clearOutput();
    return cli.run(args.toArray(String[]::new));
  }

  private static String label(String line) {
    Matcher m = LABEL.matcher(line);
    assertThat(m.find()).as("a backup label in: %s", line).isTrue();
    return m.group(1);
  }

  @Test
  @Timeout(180)
  @DisplayName("a full then an incremental backup are taken, and status reports the newest one, as a line and as JSON")
  void fullThenIncremental() {
    assertThat(run(repo("backup", "--type", "full"))).as(cli.stdout() + cli.stderr()).isZero();
    assertThat(cli.stdout()).startsWith("backup      OK   full backup ").contains("of stanza consolidb");
    String full = label(cli.stdout());
    assertThat(full).endsWith("F");

    assertThat(run(repo("backup", "--type", "incr"))).as(cli.stdout() + cli.stderr()).isZero();
    assertThat(cli.stdout()).startsWith("backup      OK   incr backup " + full + "_");
    String incr = label(cli.stdout());

    assertThat(run(repo("backup", "status"))).as(cli.stdout() + cli.stderr()).isZero();
    assertThat(cli.stdout()).startsWith("backup      OK   last good backup of stanza consolidb: incr " + incr + " finished ");

    assertThat(run(repo("backup", "status", "--json"))).isZero();
    JsonObject status = new JsonObject(cli.stdout().strip());
    JsonObject last = status.getJsonObject("last");
    assertThat(last.getString("label")).isEqualTo(incr);
    assertThat(last.getString("type")).isEqualTo("incr");
    assertThat(last.getLong("ageSeconds")).isBetween(0L, 600L);
    assertThat(last.getLong("sizeBytes")).isPositive();
    assertThat(status.getInteger("backups")).isGreaterThanOrEqualTo(2);
  }

  @Test
  @Timeout(180)
  @DisplayName("--retention-full 1 leaves one full backup chain: pgBackRest expires the older ones after the backup")
  void retention() {
    assertThat(run(repo("backup", "--type", "full"))).as(cli.stdout()).isZero();
    assertThat(run(repo("backup", "--type", "full", "--retention-full", "1"))).as(cli.stdout()).isZero();
    String kept = label(cli.stdout());
    assertThat(cli.stdout()).endsWith("; 1 backup(s) kept" + System.lineSeparator());
    assertThat(run(repo("backup", "status", "--json"))).isZero();
    JsonObject status = new JsonObject(cli.stdout().strip());
    assertThat(status.getInteger("backups")).isEqualTo(1);
    assertThat(status.getJsonObject("last").getString("label")).isEqualTo(kept);
  }

  @Test
  @DisplayName("a hung pgbackrest is killed at --timeout-seconds and the command fails with exit 3")
  void hungPgBackRestIsKilled() throws Exception {
    Path pidFile = dir.resolve("pid");
    Path program = script("hung", "echo $$ > " + pidFile + "\nexec sleep 300\n");
    long started = System.nanoTime();
    int code = run(List.of("backup", "--pgbackrest", program.toString(), "--timeout-seconds", "2"));
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    assertThat(code).isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(cli.stdout()).isEqualTo("backup      FAIL pgbackrest backup did not finish within 2 s (killed)"
        + System.lineSeparator());
    assertThat(seconds).as("seconds until the command gave up").isLessThan(30);
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the hung pgbackrest lives on").isFalse();

    assertThat(run(List.of("backup", "status", "--pgbackrest", program.toString(), "--timeout-seconds", "1")))
        .isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(cli.stdout()).startsWith("backup      FAIL pgbackrest info did not finish within 1 s");
  }

  @Test
  @DisplayName("a missing pgbackrest, an unknown stanza and pgBackRest's own errors fail with exit 3 and pgBackRest's reason")
  void failures() throws Exception {
    assertThat(run(List.of("backup", "--pgbackrest", dir.resolve("nope").toString())))
        .isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(cli.stdout()).startsWith("backup      FAIL cannot run " + dir.resolve("nope"));

    List<String> unknown = repo("backup", "--type", "full");
    unknown.set(unknown.indexOf("consolidb"), "no_such_stanza");
    assertThat(run(unknown)).isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(cli.stdout()).startsWith("backup      FAIL full backup of stanza no_such_stanza: exit ").contains("ERROR");

    Path failing = script("failing", "echo 'P00  ERROR: [056]: unable to find primary cluster' >&2\nexit 56\n");
    assertThat(run(List.of("backup", "--pgbackrest", failing.toString()))).isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(cli.stdout()).isEqualTo("backup      FAIL incr backup of stanza consolidb: exit 56: P00  ERROR: [056]:"
        + " unable to find primary cluster" + System.lineSeparator());

    Path garbage = script("garbage", "echo 'not json'\n");
    assertThat(run(List.of("backup", "status", "--pgbackrest", garbage.toString())))
        .isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(cli.stdout()).startsWith("backup      FAIL pgbackrest info did not print JSON");
  }

  @Test
  @DisplayName("a stanza without a good backup is reported as NONE with exit 3")
  void noGoodBackup() throws Exception {
    Path empty = script("empty", "echo '[{\"name\":\"consolidb\",\"status\":{\"code\":2,\"message\":\"no valid backups\"},"
        + "\"backup\":[{\"label\":\"20260101-000000F\",\"type\":\"full\",\"error\":true,"
        + "\"timestamp\":{\"start\":1,\"stop\":2}}]}]'\n");
    assertThat(run(List.of("backup", "status", "--pgbackrest", empty.toString())))
        .isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(cli.stdout()).isEqualTo("backup      NONE stanza consolidb has no good backup (no valid backups)"
        + System.lineSeparator());
  }

  @Test
  @DisplayName("status --info-file --record records the newest good backup in backup_runs once; an unreachable database fails with exit 3")
  void record() throws Exception {
    Path info = dir.resolve("info.json");
    Files.writeString(info, "[{\"name\":\"consolidb\",\"status\":{\"code\":0,\"message\":\"ok\"},\"backup\":["
        + "{\"label\":\"20261205-010000F\",\"type\":\"full\",\"error\":false,\"timestamp\":{\"start\":1796432400,\"stop\":1796432460},"
        + "\"info\":{\"size\":30000000,\"repository\":{\"size\":6000000}},\"lsn\":{\"stop\":\"0/4000138\"}},"
        + "{\"label\":\"20261205-010000F_20261205-020000I\",\"type\":\"incr\",\"error\":false,"
        + "\"timestamp\":{\"start\":1796436000,\"stop\":1796436030},\"info\":{\"size\":30000000,\"repository\":{\"size\":20000}}},"
        + "{\"label\":\"20261205-010000F_20261205-030000I\",\"type\":\"incr\",\"error\":true,"
        + "\"timestamp\":{\"start\":1796439600,\"stop\":1796439630}}]}]");
    try (TestNode schema = TestNode.create("backup_record")) {
      cli.set("DATABASE_URL", schema.databaseUrl());
      assertThat(run(List.of("backup", "status", "--info-file", info.toString(), "--record"))).as(cli.stdout() + cli.stderr())
          .isZero();
      assertThat(cli.stdout()).contains("backup      OK   last good backup of stanza consolidb: incr 20261205-010000F_20261205-020000I"
          + " finished 2026-12-05T02:00:30Z").contains("record      OK   20261205-010000F_20261205-020000I recorded in backup_runs of ");
      assertThat(cli.stdout()).doesNotContain(":" + TestNode.databasePassword() + "@");
      assertThat(schema.queryLong("SELECT count(*) FROM backup_runs WHERE label = '20261205-010000F_20261205-020000I'"
          + " AND backup_type = 'incr' AND finished_at = to_timestamp(1796436030) AND repository_size_bytes = 20000")).isEqualTo(1);

      assertThat(run(List.of("backup", "status", "--info-file", info.toString(), "--record"))).isZero();
      assertThat(cli.stdout()).contains("record      OK   20261205-010000F_20261205-020000I was already in backup_runs");
      assertThat(schema.queryLong("SELECT count(*) FROM backup_runs")).isEqualTo(1);
    }
    cli.set("DATABASE_URL", "postgresql://consolidb:s3cret-pw@127.0.0.1:1/consolidb");
    assertThat(run(List.of("backup", "status", "--info-file", info.toString(), "--record")))
        .isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(cli.stdout()).contains("record      FAIL ").doesNotContain("s3cret-pw");
  }

  @Test
  @DisplayName("bad options are refused with exit 2 before pgBackRest runs")
  void badOptions() {
    assertThat(run(List.of("backup", "--type", "weekly"))).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(cli.stderr()).contains("--type").contains("weekly");
    assertThat(run(List.of("backup", "--retention-full", "0"))).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(run(List.of("backup", "--timeout-seconds", "0"))).isEqualTo(ConfigOptions.INVALID_CONFIG);
  }

  private Path script(String name, String body) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
