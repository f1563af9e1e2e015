package io.migmon.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.mongo.internal.ServerInfo;
import org.bson.Document;
import org.junit.jupiter.api.Test;

class ServerInfoTest {

    @Test
    void standaloneWithSessionsHasNoTransactions() {
        ServerInfo s = ServerInfo.fromHello(Document.parse("{isWritablePrimary: true, logicalSessionTimeoutMinutes: 30, ok: 1}"));
        assertThat(s.topology()).isEqualTo("standalone");
        assertThat(s.sessions()).isTrue();
        assertThat(s.transactions()).isFalse();
    }

    @Test
    void replicaSetWithSessionsHasTransactions() {
        ServerInfo s = ServerInfo.fromHello(Document.parse("{setName: 'rs0', logicalSessionTimeoutMinutes: 30, ok: 1}"));
        assertThat(s.topology()).isEqualTo("replicaSet");
        assertThat(s.transactions()).isTrue();
    }

    @Test
    void mongosHasTransactions() {
        ServerInfo s = ServerInfo.fromHello(Document.parse("{msg: 'isdbgrid', logicalSessionTimeoutMinutes: 30, ok: 1}"));
        assertThat(s.topology()).isEqualTo("sharded");
        assertThat(s.transactions()).isTrue();
    }

    @Test
    void replicaSetWithoutSessionsHasNoTransactions() {
        ServerInfo s = ServerInfo.fromHello(Document.parse("{setName: 'rs0', ok: 1}"));
        assertThat(s.transactions()).isFalse();
    }

    @Test
    void mongoJavaServerAnswerIsStandaloneWithoutSessions() {
        ServerInfo s = ServerInfo.fromHello(Document.parse("{ismaster: true, maxWireVersion: 8, ok: 1.0}"));
        assertThat(s).isEqualTo(new ServerInfo("standalone", false, false));
    }
}
