package io.consolidb.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.RenderedManifests;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * k8s/backup, rendered alone (it is not in the base): a nightly CronJob whose pgBackRest (an image
 * of its own) takes the backup and whose node image records it, bounded, locked down, with the
 * pgBackRest configuration it mounts.
 */
class BackupManifestTest {

  private static RenderedManifests manifests;
  private static JobSpec job;
  private static PodSpec pod;

  @BeforeAll
  static void render() {
    manifests = RenderedManifests.parse(RenderedManifests.kustomize(Path.of("k8s", "backup")));
    job = manifests.one(CronJob.class).getSpec().getJobTemplate().getSpec();
    pod = job.getTemplate().getSpec();
  }

  private static String projectVersion() throws Exception {
    Matcher m = Pattern.compile("<artifactId>consolidb</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(Path.of("pom.xml")));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @Test
  @DisplayName("pgBackRest backs up in its own image, then the node's image (the project's version) records the result")
  void containers() throws Exception {
    assertThat(pod.getInitContainers()).singleElement().satisfies(c -> {
      assertThat(c.getImage()).startsWith("consolidb-pgbackrest:").doesNotEndWith(":latest");
      String script = String.join("\n", c.getArgs());
      assertThat(script).contains("pgbackrest --stanza=consolidb --type=\"$type\" backup")
          .contains("--output=json info > /shared/info.json");
    });
    assertThat(pod.getContainers()).singleElement().satisfies(c -> {
      assertThat(c.getImage()).isEqualTo("consolidb:" + projectVersion());
      assertThat(c.getArgs()).containsExactly("backup", "status", "--stanza", "consolidb", "--info-file",
          "/shared/info.json", "--record");
      assertThat(c.getEnv()).anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue())
          .isEqualTo("DATABASE_URL_FILE=/etc/consolidb/secrets/DATABASE_URL"));
    });
  }

  @Test
  @DisplayName("runs are bounded and never overlap")
  void bounded() {
    CronJob cron = manifests.one(CronJob.class);
    assertThat(cron.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
    assertThat(cron.getSpec().getSchedule()).matches("\\S+ \\S+ \\S+ \\S+ \\S+");
    assertThat(job.getActiveDeadlineSeconds()).isBetween(600L, 86_400L);
    assertThat(job.getBackoffLimit()).isBetween(0, 2);
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
  }

  @Test
  @DisplayName("non-root, read-only root, no capabilities; writable only size-limited emptyDirs, the rest read-only secrets and config")
  void lockedDown() {
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    List<Container> all = Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream()).toList();
    for (Container c : all) {
      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
      assertThat(c.getSecurityContext().getCapabilities().getDrop()).as(c.getName()).containsExactly("ALL");
      assertThat(c.getResources().getLimits()).as(c.getName()).containsKeys("cpu", "memory");
      for (VolumeMount mount : c.getVolumeMounts()) {
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        if (volume.getEmptyDir() != null) {
          assertThat(volume.getEmptyDir().getSizeLimit()).as(mount.getMountPath()).isNotNull();
        } else {
          assertThat(mount.getReadOnly()).as(mount.getMountPath()).isTrue();
          assertThat(volume.getSecret() != null || volume.getConfigMap() != null).as(mount.getMountPath()).isTrue();
        }
      }
    }
  }

  @Test
  @DisplayName("the mounted pgBackRest configuration reaches PostgreSQL's host over TLS and keeps the repository in object storage")
  void pgBackRestConfiguration() {
    String conf = manifests.named(ConfigMap.class, "consolidb-pgbackrest").orElseThrow().getData().get("pgbackrest.conf");
    assertThat(conf).contains("[consolidb]").contains("pg1-host-type=tls").contains("repo1-type=s3")
        .containsPattern("repo1-retention-full=\\d+").contains("lock-path=/tmp/");
    assertThat(conf).doesNotContainPattern("(?i)s3-key(-secret)?=");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "staging", "production"})
  @DisplayName("the overlays leave the backup job out until an operator adds it")
  void notInTheOverlays(String overlay) {
    assertThat(RenderedManifests.render(overlay).all(CronJob.class)).isEmpty();
  }

  @Test
  @DisplayName("the job's NetworkPolicy lets it reach DNS, PostgreSQL, the pgBackRest server and the object store only")
  void networkPolicy() {
    NetworkPolicy policy = manifests.named(NetworkPolicy.class, "consolidb-backup").orElseThrow();
    assertThat(policy.getSpec().getPodSelector().getMatchLabels()).containsEntry("app", "consolidb-backup");
    assertThat(policy.getSpec().getIngress()).isNullOrEmpty();
    assertThat(policy.getSpec().getEgress().stream().flatMap(r -> r.getPorts().stream())
        .map(p -> p.getPort().getIntVal())).containsExactlyInAnyOrder(53, 53, 5432, 8432, 443);
  }
}
