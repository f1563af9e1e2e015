package io.migmon.verify;

import java.time.Instant;
import java.util.Optional;

/**
 * The applied watermark of a change-data-capture pipeline that copies the source to the target: every source change
 * committed at or before the returned instant has been applied to the target. Empty while unknown (nothing applied
 * yet). The watermark must keep advancing while the source is idle (heartbeats), otherwise in-flight differences
 * cannot be settled and the verification ends {@link VerificationStatus#INCONCLUSIVE}.
 *
 * <p>migmon-cdc's processor provides exactly this: {@code .appliedWatermark(processor::appliedWatermark)}.
 * Implementations must be thread-safe and cheap; they are polled.
 */
@FunctionalInterface
public interface AppliedWatermark {

    /** The instant up to which every committed source change has been applied to the target, if known. */
    Optional<Instant> appliedWatermark();
}
