package io.migmon.mongo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;

class ChangelogTest {

    @Test
    void previousAttemptsTurnARunningOneIntoAbandonedAndKeepTheLastOnes() {
        assertThat(Changelog.previousAttempts(null)).isEmpty();
        Document entry = new Document("attempts", List.of(
                new Document("owner", "a").append("status", "failed"),
                new Document("owner", "b").append("status", "running")));
        assertThat(Changelog.previousAttempts(entry)).extracting(d -> d.getString("owner") + ":" + d.getString("status"))
                .containsExactly("a:failed", "b:abandoned");
        assertThat(entry.getList("attempts", Document.class).get(1).getString("status"))
                .as("the stored entry is not modified").isEqualTo("running");

        List<Document> many = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            many.add(new Document("n", i).append("status", "failed"));
        }
        List<Document> kept = Changelog.previousAttempts(new Document("attempts", many));
        assertThat(kept).hasSize(Changelog.MAX_ATTEMPTS - 1); // room for the attempt about to start
        assertThat(kept.get(kept.size() - 1).getInteger("n")).isEqualTo(29);
        assertThat(Changelog.applied(new Document("status", "success"))).isTrue();
        assertThat(Changelog.applied(new Document("status", "rolled_back"))).isFalse();
    }
}
