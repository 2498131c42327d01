package io.consolidb.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.config.ConfigLoader;
import io.consolidb.config.DatabaseSettings;
import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.schema.SchemaMigrator;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A node started on a database that has consolidb's tables but no Flyway history (the old
 * system's, not adopted yet): it does not baseline it, says how to adopt it, stays not ready, and
 * becomes ready by itself once the history is there. The test database's default schema is made
 * such a database by hiding its history table, which is put back afterwards.
 */
class SchemaVerticleAdoptionTest {

  private static final String HIDDEN = "flyway_schema_history_hidden_by_test";

  private final JdbcCoordinates jdbc = JdbcCoordinates.fromUri(TestServices.databaseUrl());
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private Vertx vertx;

  @BeforeEach
  void unadoptedDatabase() throws SQLException {
    SchemaMigrator.migrate(jdbc.url(), jdbc.user(), jdbc.password());
    exec("ALTER TABLE flyway_schema_history RENAME TO " + HIDDEN);
    log.start();
    ((Logger) LoggerFactory.getLogger(SchemaVerticle.class)).addAppender(log);
    vertx = Vertx.vertx();
  }

  @AfterEach
  void restore() throws Exception {
    ((Logger) LoggerFactory.getLogger(SchemaVerticle.class)).detachAppender(log);
    vertx.close().await(10, TimeUnit.SECONDS);
    exec("DO $$ BEGIN IF to_regclass('" + HIDDEN + "') IS NOT NULL THEN ALTER TABLE " + HIDDEN
        + " RENAME TO flyway_schema_history; END IF; END $$");
  }

  @Test
  @DisplayName("a node meeting an unadopted schema says how to adopt it, is not ready, and is once the history exists")
  void unadoptedSchema_refusedWithHint_thenReady() throws Exception {
    DatabaseSettings settings = ConfigLoader.loadBlocking(Map.of("CONSOLIDB_ENV", "testing",
        "DATABASE_URL", TestServices.databaseUrl(), "DB_SEED_DEMO_DATA", "false")).database();
    SchemaVerticle schema = new SchemaVerticle(settings);
    vertx.deployVerticle(schema).await(60, TimeUnit.SECONDS);

    assertThat(schema.ready()).isFalse();
    assertThat(log.list).map(ILoggingEvent::getFormattedMessage).anyMatch(m -> m.contains("has tables but no flyway_schema_history")
        && m.contains("consolidb migrate --baseline-version N") && !m.contains("baselineOnMigrate"));
    assertThat(tableExists("flyway_schema_history")).as("nothing baselined").isFalse();

    exec("ALTER TABLE " + HIDDEN + " RENAME TO flyway_schema_history");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!schema.ready() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(schema.ready()).as("ready after the retry that follows the adoption").isTrue();
  }

  private boolean tableExists(String name) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password());
        var rs = c.createStatement().executeQuery("SELECT to_regclass('" + name + "') IS NOT NULL")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private void exec(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password());
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
