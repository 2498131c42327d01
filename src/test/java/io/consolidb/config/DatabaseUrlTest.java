package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@code DATABASE_URL} as the old Python manager's teams bring it (SQLAlchemy schemes). */
class DatabaseUrlTest {

  private static final String PASSWORD = "pw-never-shown";

  private static DatabaseSettings load(String url) {
    return TestSettings.load("DATABASE_URL", url).database();
  }

  private static InvalidConfigException refused(String url) {
    return assertThrows(InvalidConfigException.class, () -> load(url));
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgresql+psycopg2", "postgresql+psycopg", "postgresql+asyncpg", "postgresql+pg8000"})
  @DisplayName("an SQLAlchemy URL is read as postgresql:// with a warning naming the scheme, never the password")
  void sqlalchemyScheme_acceptedWithWarning(String scheme) {
    DatabaseSettings settings = load(scheme + "://u:" + PASSWORD + "@db.example:5433/app?sslmode=require");
    assertThat(settings.url()).isEqualTo("postgresql://u:" + PASSWORD + "@db.example:5433/app?sslmode=require");
    assertThat(settings.tls().mode()).isEqualTo(SslMode.REQUIRE);
    assertThat(settings.jdbcCoordinates().url()).startsWith("jdbc:postgresql://db.example:5433/app?");
    assertThat(settings.urlWarning()).contains(scheme + "://", "read as postgresql://").doesNotContain(PASSWORD, "db.example");
  }

  @Test
  @DisplayName("libpq's own schemes need no warning")
  void libpqSchemes_noWarning() {
    assertThat(load("postgresql://u:p@h/d").urlWarning()).isNull();
    DatabaseSettings heroku = load("postgres://u:p@h:5432/d");
    assertThat(heroku.urlWarning()).isNull();
    assertThat(heroku.url()).startsWith("postgresql://");
  }

  @Test
  @DisplayName("asyncpg's ssl=<mode> is taken as sslmode and the warning says so")
  void asyncpgSsl_translated() {
    DatabaseSettings settings = load("postgresql+asyncpg://u:p@h/d?ssl=require");
    assertThat(settings.tls().mode()).isEqualTo(SslMode.REQUIRE);
    assertThat(settings.urlWarning()).contains("ssl=require as sslmode");
  }

  @Test
  @DisplayName("ssl= other than a libpq mode, or outside asyncpg, is refused")
  void ssl_otherwiseRefused() {
    assertThat(refused("postgresql+asyncpg://u:p@h/d?ssl=true")).hasMessageContaining("parameter 'ssl'");
    assertThat(refused("postgresql+psycopg2://u:p@h/d?ssl=require")).hasMessageContaining("parameter 'ssl'");
  }

  @Test
  @DisplayName("a parameter neither driver would honour alike is refused by name, with where its meaning lives here")
  void unknownParameter_refused() {
    InvalidConfigException e = refused("postgresql+psycopg2://u:" + PASSWORD + "@h/d?connect_timeout=10");
    assertThat(e).hasMessageStartingWith("invalid configuration: database.url (DATABASE_URL)")
        .hasMessageContaining("parameter 'connect_timeout'", "DB_POOL_TIMEOUT").hasMessageNotContaining(PASSWORD);
    // pgjdbc's own spelling would reach Flyway's connections only, never the pool's
    assertThat(refused("postgresql://u:p@h/d?connectTimeout=5")).hasMessageContaining("parameter 'connectTimeout'");
    assertThat(refused("postgresql://u:p@h/d?target_session_attrs=read-write"))
        .hasMessageContaining("'target_session_attrs'");
    assertThat(refused("postgresql://u:p@h/d?executemany_mode=values_plus_batch"))
        .hasMessageContaining("'executemany_mode'", "only sslmode, sslrootcert and search_path");
  }

  @Test
  @DisplayName("parameter names are read without case, as the pool reads them, and given to pgjdbc in lower case")
  void parameterNames_caseInsensitive() {
    DatabaseSettings settings = load("postgresql://u@h/d?Search_Path=app&PASSWORD=" + PASSWORD);
    assertThat(settings.connectOptions().getProperties()).containsEntry("search_path", "app");
    assertThat(settings.jdbcCoordinates().url()).contains("currentSchema=app");
    assertThat(settings.jdbcCoordinates().password()).isEqualTo(PASSWORD);
  }

  @Test
  @DisplayName("search_path reaches both drivers: the pool as it is, pgjdbc (Flyway) as currentSchema")
  void searchPath_bothDrivers() {
    DatabaseSettings settings = load("postgresql://u:p@h/d?search_path=app%2Cpublic");
    assertThat(settings.connectOptions().getProperties()).containsEntry("search_path", "app,public");
    assertThat(settings.jdbcCoordinates().url()).contains("currentSchema=app%2Cpublic").doesNotContain("search_path");
  }

  @Test
  @DisplayName("an unknown SQLAlchemy driver or another scheme is refused")
  void otherSchemes_refused() {
    assertThat(refused("postgresql+mydriver://u:p@h/d")).hasMessageContaining("unknown SQLAlchemy driver 'mydriver'");
    assertThat(refused("mysql+pymysql://u:" + PASSWORD + "@h/d")).hasMessageContaining("must start with postgresql://")
        .hasMessageNotContaining(PASSWORD);
  }

  @Test
  @DisplayName("both drivers reach the real database through a postgresql+psycopg2:// URL")
  void psycopg2Url_connectsBothDrivers() throws Exception {
    String url = TestServices.databaseUrl().replaceFirst("^postgresql://", "postgresql+psycopg2://");
    DatabaseSettings settings = load(url);
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).with(settings.netClientOptions())
          .connectingTo(settings.connectOptions()).using(vertx).build();
      assertThat(pool.query("SELECT current_database()").execute().await(10, TimeUnit.SECONDS)
          .iterator().next().getString(0)).isNotBlank();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    JdbcCoordinates jdbc = settings.jdbcCoordinates();
    try (Connection c = DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password());
        ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
      assertThat(rs.next()).isTrue();
    }
  }
}
