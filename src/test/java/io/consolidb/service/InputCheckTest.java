package io.consolidb.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.consolidb.FailureCodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InputCheckTest {

  private static final Set<String> WRITABLE = Set.of("name", "city");
  private static final Set<String> READ_ONLY = Set.of("id", "created_at");

  @Test
  void unknownFields_allWritable_null() {
    assertThat(InputCheck.unknownFields(new JsonObject().put("name", "x").put("city", "y"),
        WRITABLE, READ_ONLY)).isNull();
  }

  @Test
  void unknownFields_oneUnknown_namesIt() {
    ServiceException e = InputCheck.unknownFields(new JsonObject().put("name", "x").put("colour", "red"),
        WRITABLE, READ_ONLY);

    assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
    assertThat(e.getMessage()).isEqualTo("unknown field: colour");
    assertThat(e.getDebugInfo()).isEqualTo(new JsonObject().put("parameter", "colour"));
  }

  @Test
  void unknownFields_unknownAndReadOnly_namesBothKinds_unknownFirst() {
    ServiceException e = InputCheck.unknownFields(new JsonObject().put("id", 1).put("zeta", 1)
        .put("alpha", 2).put("created_at", "now"), WRITABLE, READ_ONLY);

    assertThat(e.getMessage()).isEqualTo("unknown fields: alpha, zeta; read-only fields: created_at, id");
    assertThat(e.getDebugInfo().getJsonArray("parameters"))
        .isEqualTo(new JsonArray(List.of("alpha", "zeta", "created_at", "id")));
  }

  @Test
  void unknownFields_onlyReadOnly_readOnlyWording() {
    assertThat(InputCheck.unknownFields(new JsonObject().put("id", 1), WRITABLE, READ_ONLY).getMessage())
        .isEqualTo("read-only field: id");
  }

  @Test
  void unknownFields_many_namesTenAndCountsTheRest() {
    JsonObject input = new JsonObject();
    for (int i = 10; i < 35; i++) {
      input.put("field" + i, i);
    }

    ServiceException e = InputCheck.unknownFields(input, WRITABLE, READ_ONLY);

    assertThat(e.getDebugInfo().getJsonArray("parameters")).hasSize(10).contains("field10", "field19");
    assertThat(e.getMessage()).startsWith("unknown fields: field10, field11,").endsWith(" (and 15 more)");
  }

  @Test
  void unknownFields_longName_clipped() {
    String longName = "x".repeat(100);

    ServiceException e = InputCheck.unknownFields(new JsonObject().put(longName, 1), WRITABLE, READ_ONLY);

    assertThat(e.getMessage()).isEqualTo("unknown field: " + "x".repeat(40) + "…");
    assertThat(e.getDebugInfo().getString("parameter")).isEqualTo("x".repeat(40) + "…");
  }

  @Test
  void refuseUnknown_unknownField_throws() {
    ServiceException e = assertThrows(ServiceException.class,
        () -> InputCheck.refuseUnknown(new JsonObject().put("colour", "red"), WRITABLE, READ_ONLY));
    assertThat(e.getMessage()).isEqualTo("unknown field: colour");
  }

  @Test
  void refuseUnknown_allWritable_returns() {
    InputCheck.refuseUnknown(new JsonObject().put("city", "y"), WRITABLE, READ_ONLY);
  }

  @Test
  void invalid_oneOrSeveralParameters() {
    assertThat(InputCheck.invalid("limit", "limit is wrong").getDebugInfo())
        .isEqualTo(new JsonObject().put("parameter", "limit"));
    assertThat(InputCheck.invalid(List.of("lat"), "lat is wrong").getDebugInfo())
        .isEqualTo(new JsonObject().put("parameter", "lat"));
    assertThat(InputCheck.invalid(List.of("lat", "lng"), "both are wrong").getDebugInfo())
        .isEqualTo(new JsonObject().put("parameters", new JsonArray(List.of("lat", "lng"))));
    assertThat(InputCheck.invalid("limit", "x").failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
  }

  @Test
  void clip_keepsShortNames_cutsLongOnes_showsTen() {
    assertThat(InputCheck.clip("short")).isEqualTo("short");
    assertThat(InputCheck.clip("y".repeat(41))).isEqualTo("y".repeat(40) + "…");
    assertThat(InputCheck.clip(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")))
        .containsExactly("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
  }
}
