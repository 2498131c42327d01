package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client classes a training run loads by name so the class-data archive holds them. */
class ClientClassesTest {

  @Test
  @DisplayName("finds the protocol classes of the PostgreSQL and Redis clients and of SCRAM in their jars, and loads them")
  void findsAndLoads_theClientPackages() {
    ClassLoader loader = ClientClasses.class.getClassLoader();
    var names = ClientClasses.names(loader);
    assertThat(names).contains("io.vertx.pgclient.impl.PgSocketConnection", "io.vertx.sqlclient.impl.SocketConnectionBase",
        "io.vertx.redis.client.impl.RedisStandaloneConnection", "com.ongres.scram.client.ScramClient")
        .allSatisfy(name -> assertThat(ClientClasses.PACKAGES).anySatisfy(
            pkg -> assertThat(name.replace('.', '/')).startsWith(pkg)))
        .noneMatch(name -> name.endsWith("package-info") || name.endsWith("module-info"));
    // a few may need an optional dependency the node does not ship; nearly all load
    assertThat(ClientClasses.load(loader)).isGreaterThan(names.size() * 9 / 10);
  }

  @Test
  @DisplayName("reads classes from a directory too, and skips one that cannot be loaded instead of failing")
  void directory_andAClassThatDoesNotLoad(@TempDir Path dir) throws Exception {
    Path pkg = Files.createDirectories(dir.resolve("com/ongres/training"));
    Files.write(pkg.resolve("Broken.class"), new byte[] {1, 2, 3}); // not a class file
    Files.write(pkg.resolve("notes.txt"), new byte[] {1});
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
      assertThat(ClientClasses.names(loader)).containsExactly("com.ongres.training.Broken");
      assertThat(ClientClasses.load(loader)).isZero();
    }
  }

  @Test
  @DisplayName("SCRAM's JDK side (SASLprep normalisation, PBKDF2, HMAC-SHA-256) is available and runs")
  void scramCrypto_runs() throws Exception {
    ClientClasses.scramCrypto();
  }
}
