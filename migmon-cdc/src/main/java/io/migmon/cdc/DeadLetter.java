package io.migmon.cdc;

import io.migmon.cdc.event.DeadLetterReason;

/** A record on its way to the dead-letter path, with why and a short error description. */
final class DeadLetter {
    final CdcRecord record;
    final DeadLetterReason reason;
    final String error;

    DeadLetter(CdcRecord record, DeadLetterReason reason, String error) {
        this.record = record;
        this.reason = reason;
        this.error = error;
    }
}
