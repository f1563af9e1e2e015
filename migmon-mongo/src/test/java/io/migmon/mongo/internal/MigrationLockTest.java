package io.migmon.mongo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.ServerAddress;
import com.mongodb.WriteError;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

class MigrationLockTest {

    private static MongoCommandException commandError(int code) {
        return new MongoCommandException(new BsonDocument("ok", new BsonInt32(0)).append("code", new BsonInt32(code))
                .append("errmsg", new BsonString("E" + code)), new ServerAddress("127.0.0.1", 1));
    }

    @Test
    void duplicateKeyIsRecognisedByCodeWhateverTheExceptionClass() {
        // mongod and mongo-java-server: a write error; jongodb: a command error with code 11000
        assertThat(MigrationLock.isDuplicateKey(new MongoWriteException(
                new WriteError(11000, "E11000 duplicate key", new BsonDocument()), new ServerAddress(), java.util.Set.of())))
                .isTrue();
        assertThat(MigrationLock.isDuplicateKey(commandError(11000))).isTrue();
        assertThat(MigrationLock.isDuplicateKey(new MongoException(11000, "E11000"))).isTrue();

        assertThat(MigrationLock.isDuplicateKey(commandError(59))).isFalse();
        assertThat(MigrationLock.isDuplicateKey(new MongoWriteException(
                new WriteError(121, "document failed validation", new BsonDocument()), new ServerAddress(), java.util.Set.of())))
                .isFalse();
    }
}
