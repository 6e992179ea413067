package io.superloss;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationRReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When {@link SameArgumentsMemo} hits: only for the same activation and arrays equal in layout and in every bit. */
class SameArgumentsMemoTest {
    private static final IActivation SOFTMAX = new ActivationSoftmax();
    private static final Object VALUE = new Object();

    private static INDArray labels() {
        return Nd4j.createFromArray(new float[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 1, 0}});
    }

    private static INDArray preOutput() {
        return Nd4j.createFromArray(new float[][] {{0.5f, -1, 2}, {3, 0.25f, -0.5f}, {1, 1, 1}, {-2, 0, 7}});
    }

    @Test
    void hitsForOtherArraysWithTheSameValues() {
        SameArgumentsMemo<Object> memo = new SameArgumentsMemo<>();
        assertNull(memo.get(labels(), preOutput(), SOFTMAX, null), "nothing remembered yet");
        memo.put(labels(), preOutput(), SOFTMAX, null, VALUE);
        assertSame(VALUE, memo.get(labels(), preOutput(), SOFTMAX, null));
        assertSame(VALUE, memo.get(labels(), preOutput(), SOFTMAX, null), "a hit does not consume the entry");
    }

    @Test
    void missesWhenAnyElementDiffersByOneUlpEvenInTheSameArrayObject() {
        SameArgumentsMemo<Object> memo = new SameArgumentsMemo<>();
        INDArray labels = labels();
        INDArray preOutput = preOutput();
        memo.put(labels, preOutput, SOFTMAX, null, VALUE);
        preOutput.putScalar(3, 2, Math.nextUp(7f)); // the last element, in place
        assertNull(memo.get(labels, preOutput, SOFTMAX, null));
        preOutput.putScalar(3, 2, 7f);
        assertSame(VALUE, memo.get(labels, preOutput, SOFTMAX, null), "back to the remembered values");
        labels.putScalar(0, 0, 0.0);
        assertNull(memo.get(labels, preOutput, SOFTMAX, null), "labels changed");
        INDArray negativeZero = preOutput();
        negativeZero.putScalar(2, 0, -0.0);
        INDArray positiveZero = preOutput();
        positiveZero.putScalar(2, 0, 0.0);
        memo.put(labels(), positiveZero, SOFTMAX, null, VALUE);
        assertNull(memo.get(labels(), negativeZero, SOFTMAX, null), "compared bit for bit, not by value");
    }

    @Test
    void missesForAnotherLayoutTypeActivationOrMask() {
        SameArgumentsMemo<Object> memo = new SameArgumentsMemo<>();
        INDArray mask = Nd4j.createFromArray(new float[][] {{1}, {1}, {0}, {1}});
        memo.put(labels(), preOutput(), SOFTMAX, mask, VALUE);
        assertSame(VALUE, memo.get(labels(), preOutput(), SOFTMAX, mask.dup()));
        assertNull(memo.get(labels(), preOutput(), SOFTMAX, null), "mask absent");
        assertNull(memo.get(labels(), preOutput(), SOFTMAX, Nd4j.ones(DataType.FLOAT, 4, 1)), "other mask");
        assertNull(memo.get(labels(), preOutput(), new ActivationSoftmax(), mask), "another activation instance");
        assertNull(memo.get(labels(), preOutput().castTo(DataType.DOUBLE), SOFTMAX, mask), "other data type");
        assertNull(memo.get(labels(), preOutput().dup('f'), SOFTMAX, mask), "other ordering");
        assertNull(memo.get(labels().reshape(3, 4), preOutput().reshape(3, 4), SOFTMAX, mask), "other shape");
        memo.put(labels(), preOutput(), SOFTMAX, null, VALUE);
        assertNull(memo.get(labels(), preOutput(), SOFTMAX, mask), "mask present now, absent when remembered");
    }

    @Test
    void rememberedOnlyWhatCanBeComparedExactly() {
        SameArgumentsMemo<Object> memo = new SameArgumentsMemo<>();
        INDArray wide = Nd4j.rand(DataType.FLOAT, 8, 6);
        INDArray view = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)); // strided: no bulk read
        memo.put(labels(), view, SOFTMAX, null, VALUE);
        assertNull(memo.get(labels(), view, SOFTMAX, null));
        IActivation rrelu = new ActivationRReLU(); // random slopes in training mode
        memo.put(labels(), preOutput(), rrelu, null, VALUE);
        assertNull(memo.get(labels(), preOutput(), rrelu, null));
        long elements = SameArgumentsMemo.MAX_BYTES / Double.BYTES / 2 + 1;
        INDArray large = Nd4j.zeros(DataType.DOUBLE, elements, 1);
        memo.put(large, large, SOFTMAX, null, VALUE);
        assertNull(memo.get(large, large, SOFTMAX, null), "over MAX_BYTES");
    }

    @Test
    void eachThreadHasItsOwnEntry() throws Exception {
        SameArgumentsMemo<Object> memo = new SameArgumentsMemo<>();
        memo.put(labels(), preOutput(), SOFTMAX, null, VALUE);
        Object seenElsewhere = CompletableFuture.supplyAsync(() -> memo.get(labels(), preOutput(), SOFTMAX, null))
                .get();
        assertNull(seenElsewhere);
        assertSame(VALUE, memo.get(labels(), preOutput(), SOFTMAX, null));
    }

    @Test
    void onlyNd4jLossesAndActivationsCountAsDeterministic() {
        assertTrue(SameArgumentsMemo.isDeterministic(new LossMCXENT()));
        assertTrue(SameArgumentsMemo.isDeterministic(new LossMSE()));
        assertFalse(SameArgumentsMemo.isDeterministic(new SuperLoss(new LossMSE())), "has state");
        assertTrue(SameArgumentsMemo.isDeterministic(new ActivationIdentity()));
        assertFalse(SameArgumentsMemo.isDeterministic(new ActivationRReLU()));
        assertFalse(SameArgumentsMemo.isDeterministic(new ActivationIdentity() {
            // a user subclass: anything could happen in it
        }));
        assertEquals(16L << 20, SameArgumentsMemo.MAX_BYTES);
    }
}
