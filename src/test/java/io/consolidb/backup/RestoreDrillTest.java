package io.consolidb.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TestServices;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs scripts/restore-drill.sh against the backup cluster of {@code scripts/services.sh up}: a
 * point-in-time restore into a scratch cluster must give back every table exactly as it was at the
 * restore point, and a restored copy that differs must fail the drill.
 */
class RestoreDrillTest {

  private static final Path SCRIPT = Path.of("scripts/restore-drill.sh");

  record Run(int exitCode, String output) {}

  private static Run drill(String... args) throws Exception {
    // fails (never skips) without the backup cluster, naming what to run
    TestServices.backupSetting("TEST_PGBACKREST_CONFIG");
    assertThat(System.getProperty("user.name")).as("the drill runs PostgreSQL and pgBackRest as postgres: run the tests as root")
        .isEqualTo("root");
    Path log = Files.createTempFile("restore-drill", ".log");
    try {
      Process process = new ProcessBuilder(Stream.concat(Stream.of(SCRIPT.toString()), Stream.of(args)).toList())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!process.waitFor(240, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new AssertionError("the drill did not finish within 240 s:\n" + Files.readString(log));
      }
      return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static List<Path> scratchDirectories() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("/var/tmp"))) {
      return files.filter(p -> p.getFileName().toString().startsWith("consolidb-drill.")).toList();
    }
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  @Timeout(300)
  @DisplayName("the drill restores to the restore point: every table's rows and checksum as recorded, later writes absent")
  void restoresToThePoint() throws Exception {
    List<Path> before = scratchDirectories();
    Run run = drill();
    assertThat(run.exitCode()).as(run.output()).isZero();
    // rows at point / restored / live now: the live database moved on after the point, the copy did not
    assertThat(run.output())
        .containsPattern("public\\.events +5250 +5250 +4200  ok [0-9a-f]{32}")
        .containsPattern("shop\\.customers +5000 +5000 +5000  ok [0-9a-f]{32}")
        .containsPattern("shop\\.orders +5500 +5500 +5800  ok [0-9a-f]{32}")
        .contains("3 table(s) recorded, 3 restored, 0 mismatch(es)")
        .contains("recovery stopping at restore point \"drill-")
        .contains("restore drill passed");
    assertThat(scratchDirectories()).as("scratch data directories left").isEqualTo(before);
    assertThat(listening(5442)).as("the scratch cluster still listens").isFalse();
  }

  @Test
  @Timeout(300)
  @DisplayName("a restored copy that differs by one row fails the drill with exit 1 and names the table")
  void mismatchFails() throws Exception {
    Run run = drill("--type", "incr", "--self-test-mismatch");
    assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
    assertThat(run.output())
        .containsPattern("public\\.events +5250 +5249 +4200  MISMATCH [0-9a-f]{32} -> [0-9a-f]{32}")
        .containsPattern("shop\\.orders +5500 +5500 +5800  ok ")
        .contains("1 mismatch(es)")
        .contains("restore drill FAILED");
  }

  @Test
  @DisplayName("bad usage exits 2 before touching anything")
  void badUsage() throws Exception {
    assertThat(drill("--type", "weekly").exitCode()).isEqualTo(2);
    assertThat(drill("--database", "Robert'); DROP").exitCode()).isEqualTo(2);
  }
}
