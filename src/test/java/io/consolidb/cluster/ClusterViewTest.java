package io.consolidb.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.cluster.ClusterMembership.Member;
import io.consolidb.cluster.ClusterMembership.View;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The membership view and the report section it renders, without a cluster. */
class ClusterViewTest {

  private static final Member OLDEST = new Member("10.0.0.7:5801", "0b5d2c1e-0000-4000-8000-000000000001");
  private static final Member SELF = new Member("10.0.0.8:5801", "0b5d2c1e-0000-4000-8000-000000000002");

  @Test
  void toJson_countSelfLastChangeAndEveryMemberOldestFirst() {
    View view = new View(List.of(OLDEST, SELF), SELF, Instant.parse("2026-01-02T03:04:05.678Z"), 1);
    assertThat(view.toJson()).isEqualTo(new JsonObject()
        .put("enabled", true)
        .put("members", 2)
        .put("this_member", "10.0.0.8:5801")
        .put("last_change", "2026-01-02T03:04:05.678Z")
        .put("member_list", new JsonArray()
            .add(new JsonObject().put("address", "10.0.0.7:5801").put("id", OLDEST.id()).put("self", false))
            .add(new JsonObject().put("address", "10.0.0.8:5801").put("id", SELF.id()).put("self", true)))
        .put("clients", 1));
  }

  @Test
  void view_keepsACopyOfTheMembers() {
    List<Member> members = new ArrayList<>(List.of(SELF));
    View view = new View(members, SELF, Instant.EPOCH);
    members.add(OLDEST);
    assertThat(view.size()).isEqualTo(1);
    assertThatThrownBy(() -> view.members().add(OLDEST)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void address_hostAndPort_ipv6InBrackets() {
    assertThat(Member.address("127.0.0.1", 5941)).isEqualTo("127.0.0.1:5941");
    assertThat(Member.address("fd00::1", 5801)).isEqualTo("[fd00::1]:5801");
    assertThat(SELF.toString()).isEqualTo("10.0.0.8:5801 (" + SELF.id() + ")");
  }
}
