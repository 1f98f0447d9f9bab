package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

class PatchTranslatorTest {
  private static JsonNode json(String text) {
    try {
      return Serialization.jsonMapper().readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void mergePatchReplacesListsAndNullRemoves() {
    JsonNode after =
        PatchTranslator.mergeRfc7386(
            json("{'a':{'b':1,'c':2},'l':[1,2]}"), json("{'a':{'c':null},'l':[3]}"));

    assertThat(after).isEqualTo(json("{'a':{'b':1},'l':[3]}"));
  }

  @Test
  void strategicPatchMergesNamedItemsByName() {
    JsonNode after =
        PatchTranslator.mergeStrategic(
            json("{'containers':[{'name':'app','image':'a','args':['x']},{'name':'side'}]}"),
            json(
                "{'$setElementOrder/containers':[{'name':'app'},{'name':'side'}],"
                    + "'containers':[{'name':'app','image':'b'}]}"));

    assertThat(after)
        .isEqualTo(
            json("{'containers':[{'name':'app','image':'b','args':['x']},{'name':'side'}]}"));
  }

  @Test
  void strategicPatchDeletesAndAppendsNamedItems() {
    JsonNode after =
        PatchTranslator.mergeStrategic(
            json("{'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]}"),
            json("{'env':[{'name':'A','$patch':'delete'},{'name':'C','value':'3'}]}"));

    assertThat(after)
        .isEqualTo(json("{'env':[{'name':'B','value':'2'},{'name':'C','value':'3'}]}"));
  }

  @Test
  void strategicPatchReplacesPlainListsAndDropsDirectives() {
    JsonNode after =
        PatchTranslator.mergeStrategic(
            json("{'args':['a','b'],'labels':{'x':'1','y':'2'}}"),
            json("{'args':['c'],'labels':{'x':null},'$retainKeys':['args']}"));

    assertThat(after).isEqualTo(json("{'args':['c'],'labels':{'y':'2'}}"));
  }
}
