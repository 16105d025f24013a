"""Reproduces the Keras.io example "Actor Critic Method" (CartPole).

Example: https://keras.io/examples/rl/actor_critic_cartpole/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/rl/actor_critic_cartpole.py

Facts carried over from the source: the CartPole-v0 environment (at most 200 steps an
episode, reward 1 per step), seed 42, discount gamma = 0.99, at most 10,000 steps an
episode; one network with a shared Dense(128, relu) layer feeding an actor head
Dense(2, softmax) (action probabilities) and a critic head Dense(1) (expected return);
Adam(learning_rate=0.01); one update per episode from the whole episode: the discounted
returns are standardised (minus their mean, over their std + float32 eps), the actor loss
is the sum over steps of -log pi(a_t | s_t) * (G_t - V(s_t)) and the critic loss the sum of
Huber(V(s_t), G_t) (delta 1), and their sum is minimised; actions are sampled from the
actor's probabilities with NumPy; running reward = 0.05 * episode reward + 0.95 * running
reward, printed every 10 episodes; solved when the running reward exceeds 195.

Differences from the example:

- Environment: ``gymnasium`` (the maintained successor of ``gym``) instead of ``gym``.
  Its API differs: ``reset(seed=...)`` replaces ``env.seed()`` and returns
  ``(observation, info)``; ``step`` returns five values, and an episode ends when it is
  ``terminated`` (the pole fell, the cart left the track) or ``truncated`` (the 200-step
  limit of v0; v1 would allow 500 and make the 195 threshold easy). The dynamics of
  CartPole-v0 are the same.
- Seeding: the script sets ``keras.utils.set_random_seed(42)`` (the harness adds the run's
  seed to it) and seeds the environment once, on its first reset, with a number drawn
  from NumPy's generator so seeded, so each run seed gives another environment sequence.
- Gradients: the example records every step's forward pass on a ``tf.GradientTape``.
  Here the agent acts with the same network computed in NumPy from its current weights
  (weights change only at the end of an episode, so the probabilities are the same; this
  avoids one eager Keras call per environment step), and at the end of the episode the
  states and sampled actions are run through the Keras model again as one batch to get
  the differentiable log-probabilities and critic values. The loss is the example's, term
  for term (the advantage G_t - V(s_t) is not stopped either, as in the example). The
  gradient is computed by the backend: ``tf.GradientTape`` (in a ``tf.function``) on TensorFlow,
  ``jax.value_and_grad`` of ``model.stateless_call`` on JAX (compiled, the episode
  zero-padded to a power-of-two length and the padding masked out of the sum).
- A cap: the example loops until solved; a run here stops after MAX_EPISODES episodes and
  then prints "Not solved by episode N", so a failing seed ends and is judged as N.
- The trained model is kept as a top-level ``model`` (the harness saves it as
  ``model.keras``, since this loop never calls ``fit()``).
"""

import gymnasium as gym
import keras
import numpy as np
from keras import layers, ops

SEED = 42
GAMMA = 0.99
MAX_STEPS_PER_EPISODE = 10000
NUM_INPUTS = 4
NUM_ACTIONS = 2
NUM_HIDDEN = 128
LEARNING_RATE = 0.01
RUNNING_REWARD_DECAY = 0.05
SOLVED_RUNNING_REWARD = 195
MAX_EPISODES = 2000  # our cap; the example has none
ENV_ID = "CartPole-v0"
EPS = np.finfo(np.float32).eps.item()


def build_model() -> keras.Model:
    """The example's network: shared Dense(128, relu), actor softmax(2), critic linear(1)."""
    inputs = layers.Input(shape=(NUM_INPUTS,))
    common = layers.Dense(NUM_HIDDEN, activation="relu")(inputs)
    action = layers.Dense(NUM_ACTIONS, activation="softmax")(common)
    critic = layers.Dense(1)(common)
    return keras.Model(inputs=inputs, outputs=[action, critic])


def numpy_policy(model: keras.Model):
    """The actor head in NumPy with the model's current weights: state -> probabilities."""
    w_common, b_common, w_action, b_action, _, _ = model.get_weights()

    def probabilities(state: np.ndarray) -> np.ndarray:
        hidden = np.maximum(state @ w_common + b_common, 0.0)
        logits = hidden @ w_action + b_action
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()

    return probabilities


def discounted_returns(rewards: list[float]) -> np.ndarray:
    """Discounted reward-to-go for every step, standardised as in the example."""
    returns = np.zeros(len(rewards), dtype="float64")
    running = 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + GAMMA * running
        returns[t] = running
    return ((returns - returns.mean()) / (returns.std() + EPS)).astype("float32")


def episode_loss(outputs, actions, returns, mask=None):
    """Sum of actor losses -log p(a_t) (G_t - V_t) and critic losses Huber(V_t, G_t).

    ``mask`` (1 for real steps, 0 for padding) lets a padded batch give the same sum.
    """
    action_probs, critic_values = outputs
    values = critic_values[:, 0]
    chosen = ops.take_along_axis(action_probs, ops.expand_dims(actions, 1), axis=1)[:, 0]
    actor = -ops.log(chosen) * (returns - values)
    critic = keras.losses.huber(ops.expand_dims(values, -1), ops.expand_dims(returns, -1))
    per_step = actor + critic
    if mask is not None:
        per_step = per_step * mask
    return ops.sum(per_step)


def padded(array: np.ndarray, length: int) -> np.ndarray:
    """``array`` with zero rows appended up to ``length`` rows."""
    pad = [(0, length - len(array))] + [(0, 0)] * (array.ndim - 1)
    return np.pad(array, pad)


def make_update(model: keras.Model, optimizer: keras.optimizers.Optimizer):
    """One optimizer step on an episode's (states, actions, returns), per backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        # Traced once: every episode length shares the signature's unknown first dimension.
        @tf.function(
            input_signature=[
                tf.TensorSpec([None, NUM_INPUTS], "float32"),
                tf.TensorSpec([None], "int32"),
                tf.TensorSpec([None], "float32"),
            ]
        )
        def step(states, actions, returns):
            with tf.GradientTape() as tape:
                loss = episode_loss(model(states), actions, returns)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
            return loss

        def update(states, actions, returns):
            return float(step(states, actions, returns))

        return update
    if backend == "jax":
        import jax

        non_trainable = [v.value for v in model.non_trainable_variables]

        def loss_fn(trainable, states, actions, returns, mask):
            outputs, _ = model.stateless_call(trainable, non_trainable, states)
            return episode_loss(outputs, actions, returns, mask)

        # Compiled once per padded length (powers of two), not once per episode length.
        value_and_grad = jax.jit(jax.value_and_grad(loss_fn))

        def update(states, actions, returns):
            length = 1 << (len(states) - 1).bit_length()
            mask = padded(np.ones(len(states), dtype="float32"), length)
            trainable = [v.value for v in model.trainable_variables]
            loss, grads = value_and_grad(
                trainable,
                padded(states, length),
                padded(actions, length),
                padded(returns, length),
                mask,
            )
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
            return float(loss)

        return update
    raise RuntimeError(
        f"this training loop computes gradients on tensorflow or jax, not {backend!r}: "
        "run it with KERAS_BACKEND=tensorflow or jax"
    )


keras.utils.set_random_seed(SEED)
env = gym.make(ENV_ID)
env_seed = int(np.random.randint(0, 2**31 - 1))
model = build_model()
optimizer = keras.optimizers.Adam(learning_rate=LEARNING_RATE)
update = make_update(model, optimizer)

running_reward = 0.0
episode_count = 0
solved = False
while episode_count < MAX_EPISODES:
    state, _ = env.reset(seed=env_seed if episode_count == 0 else None)
    policy = numpy_policy(model)
    states, actions, rewards = [], [], []
    episode_reward = 0.0
    for _ in range(1, MAX_STEPS_PER_EPISODE):  # at most 9,999 steps, as in the example
        state = np.asarray(state, dtype="float32")
        probs = policy(state)
        action = int(np.random.choice(NUM_ACTIONS, p=probs))
        states.append(state)
        actions.append(action)
        state, reward, terminated, truncated, _ = env.step(action)
        rewards.append(float(reward))
        episode_reward += reward
        if terminated or truncated:
            break

    running_reward = (
        RUNNING_REWARD_DECAY * episode_reward + (1 - RUNNING_REWARD_DECAY) * running_reward
    )
    update(
        np.stack(states),
        np.asarray(actions, dtype="int32"),
        discounted_returns(rewards),
    )

    episode_count += 1
    if episode_count % 10 == 0:
        print(f"running reward: {running_reward:.2f} at episode {episode_count}", flush=True)
    if running_reward > SOLVED_RUNNING_REWARD:
        print(f"Solved at episode {episode_count}!", flush=True)
        solved = True
        break

if not solved:
    print(f"Not solved by episode {episode_count} (cap {MAX_EPISODES})", flush=True)
env.close()
