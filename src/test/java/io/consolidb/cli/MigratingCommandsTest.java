package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.testsupport.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What a team moving from the old Python manager runs: its SQLAlchemy URL, {@code check} on its
 * database, {@code migrate} with and without {@code --baseline-version}. The adoption itself is
 * proven in {@code SchemaAdoptionTest}; here, the commands' lines and exit codes.
 */
class MigratingCommandsTest {

  private static final String PASSWORD_IN_URL = ":consolidb@";

  private final CommandRun cli = new CommandRun();

  @AfterEach
  void restore() {
    cli.restore();
  }

  private String output() {
    return cli.stdout() + cli.stderr();
  }

  @Test
  @DisplayName("migrate and check through a postgresql+psycopg2:// URL: one warning naming the scheme, schema matches the latest version")
  void sqlalchemyUrl_migrateThenCheck() {
    cli.set("DATABASE_URL", TestServices.databaseUrl().replaceFirst("^postgresql://", "postgresql+psycopg2://"));
    cli.set("REDIS_URL", TestServices.redisUrl());
    assertThat(cli.run("migrate", "--env", "testing")).as(output()).isZero();
    assertThat(output().lines().filter(l -> l.contains("SQLAlchemy scheme postgresql+psycopg2://"))).hasSize(1);
    cli.clearOutput();

    assertThat(cli.run("check", "--env", "testing")).as(output()).isZero();
    assertThat(cli.stdout()).containsPattern("schema      OK   public matches V\\d+ \\(\\d+ ms\\)");
    assertThat(output()).doesNotContain(PASSWORD_IN_URL);
  }

  @Test
  @DisplayName("check exits 4 and names a missing index; --skip-schema does not look")
  void check_missingIndex_exit4() throws Exception {
    cli.set("DATABASE_URL", TestServices.databaseUrl());
    cli.set("REDIS_URL", TestServices.redisUrl());
    assertThat(cli.run("migrate", "--env", "testing")).as(output()).isZero();
    exec(TestServices.databaseUrl(), "DROP INDEX restaurants_city_name_idx");
    try {
      cli.clearOutput();
      assertThat(cli.run("check", "--env", "testing")).as(output()).isEqualTo(ConfigOptions.SCHEMA_DIFFERS);
      assertThat(cli.stdout()).contains("schema      DIFF public differs from V", "(1 blocking, 0 informational)",
          "schema      DIFF missing index restaurants_city_name_idx on restaurants: CREATE INDEX ON restaurants"
              + " USING btree (lower(city), name, id)");
      cli.clearOutput();
      assertThat(cli.run("check", "--env", "testing", "--skip-schema")).as(output()).isZero();
      assertThat(cli.stdout()).doesNotContain("schema ");
    } finally {
      exec(TestServices.databaseUrl(), "CREATE INDEX restaurants_city_name_idx ON restaurants (lower(city), name, id)");
    }
  }

  @Test
  @DisplayName("an old system's database: migrate without a version refuses (exit 4) with what to do; where the"
      + " migrations cannot run (no earthdistance), check and the adoption fail with the reason (exit 3)")
  void oldDatabase_refusedWithReasons() throws Exception {
    String database = "consolidb_mig_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    String admin = TestServices.databaseUrl();
    exec(admin, "CREATE DATABASE " + database);
    try {
      String url = admin.substring(0, admin.lastIndexOf('/') + 1) + database;
      exec(url, "CREATE TABLE restaurants (id serial PRIMARY KEY, name text NOT NULL, city text)");
      cli.set("DATABASE_URL", url.replaceFirst("^postgresql://", "postgresql+asyncpg://"));
      cli.set("REDIS_URL", TestServices.redisUrl());

      assertThat(cli.run("migrate", "--env", "testing")).as(output()).isEqualTo(ConfigOptions.SCHEMA_DIFFERS);
      assertThat(cli.stdout()).contains("migrate     FAIL schema public has tables but no flyway_schema_history",
          "consolidb migrate --baseline-version N");
      cli.clearOutput();

      assertThat(cli.run("migrate", "--env", "testing", "--baseline-version", "1")).as(output())
          .isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
      assertThat(cli.stdout()).contains("migrate     FAIL", "earthdistance");
      cli.clearOutput();

      assertThat(cli.run("check", "--env", "testing")).as(output()).isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
      assertThat(cli.stdout()).contains("schema      FAIL cannot compare with the migrations", "earthdistance");
      assertThat(output()).doesNotContain(PASSWORD_IN_URL, "\tat ");
      assertThat(cli.stdout().lines().filter(l -> l.startsWith("schema"))).hasSize(1);
    } finally {
      exec(admin, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  @Test
  @DisplayName("--baseline-version 0 is an invalid option (exit 2)")
  void baselineVersion_zero_invalid() {
    cli.set("DATABASE_URL", TestServices.databaseUrl());
    assertThat(cli.run("migrate", "--env", "testing", "--baseline-version", "0")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(cli.stderr()).contains("--baseline-version = 0");
  }

  private static void exec(String url, String sql) throws SQLException {
    JdbcCoordinates jdbc = JdbcCoordinates.fromUri(url);
    try (Connection c = DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password());
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
