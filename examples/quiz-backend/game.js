// The quiz rules, as pure functions over the game snapshot (specs/games.asyncapi.yaml GameSnapshot):
// each action returns the answer for the gateway `{response_status, errors, data}` and the broadcasts
// to publish before answering, in order. No I/O here.
'use strict';

const FORBIDDEN = 'You do not have permission to perform this action.';
const usernameOf = (user) => (typeof user.username === 'string' && user.username) || String(user.sub);
const ok = (data, broadcasts) => ({ answer: { response_status: 200, errors: [], data }, broadcasts });
const fail = (status, errors) => ({ answer: { response_status: status, errors, data: null }, broadcasts: [] });

function touch(game, now, stateChanged) {
  const at = now.toISOString();
  return { ...game, updated_at: at, ...(stateChanged ? { state_changed_at: at } : {}) };
}

/** Question `number` of the quiz as asked in this game (the generated question id is pk * 1000 + number). */
function generate(game, number) {
  const q = game.quiz.questions.find((x) => x.number === number);
  return { id: game.id * 1000 + number, question: q.question, number, type: q.type, variants: q.variants, answer: q.answer, players_answers: [], timer: q.timer, points: q.points };
}

function nextQuestion(game, user, now) {
  if (usernameOf(game.user) !== usernameOf(user)) return fail(403, [FORBIDDEN]);
  if (game.state === 'finish') return ok(game, []); // the original did nothing
  const next = game.current_question ? game.current_question.number + 1 : 1;
  if (next > game.quiz.questions.length) {
    const at = now.toISOString();
    const finished = { ...touch(game, now, true), state: 'finish', current_question: null, finished_at: at, players: game.players.map((p) => ({ ...p, finished_at: at })) };
    return ok(finished, [['update', finished], ['finish', finished]]);
  }
  const question = generate(game, next);
  const asked = { ...touch(game, now, true), state: 'answering', current_question: question, generated_questions: [...game.generated_questions, question] };
  return ok(asked, [['update', asked], ['next_question', asked]]);
}

function isCorrect(question, chosen) {
  if (chosen.length !== question.answer.length) return false;
  // multi: the right set in any order; single and sequence: the right ids in order.
  return question.type === 'multi' ? chosen.every((v) => question.answer.includes(v.id)) : chosen.every((v, i) => v.id === question.answer[i]);
}

function answer(game, user, data, now) {
  const player = game.players.find((p) => p.user.username === usernameOf(user));
  if (!player) return fail(403, [FORBIDDEN]);
  if (!data || !Number.isInteger(data.question) || !Array.isArray(data.answer) || !data.answer.every(Number.isInteger)) {
    return fail(400, [{ question: ['This field is required.'], answer: ['This field is required.'] }]);
  }
  const current = game.current_question;
  if (game.state !== 'answering' || !current || current.id !== data.question) return fail(400, [{ question: ['Be late.'] }]);
  const chosen = data.answer.map((id) => current.variants.find((v) => v.id === id)).filter(Boolean);
  const correct = isCorrect(current, chosen);
  const given = { answer: chosen, player, correct, points: correct ? current.points : 0 };
  // Answering again replaces the answer.
  const question = { ...current, players_answers: [...current.players_answers.filter((a) => a.player.id !== player.id), given] };
  const changed = { ...touch(game, now, false), current_question: question, generated_questions: game.generated_questions.map((q) => (q.id === question.id ? question : q)) };
  return ok(given, [['update', changed], ['answer', given]]);
}

function check(game, user, now) {
  if (usernameOf(game.user) !== usernameOf(user)) return fail(403, [FORBIDDEN]);
  if (game.state !== 'answering') return fail(400, ['Now not answering state']);
  const question = game.current_question;
  const scored = game.players.map((p) => {
    const a = question.players_answers.find((x) => x.player.id === p.id);
    return a ? { ...p, rating: p.rating + a.points } : p;
  });
  const checked = { ...touch(game, now, true), state: 'check', players: scored };
  return ok(checked, [['update', checked], ['check', question]]);
}

/** One forwarded request `{action, payload, user}` against `game` (undefined: unknown game, 404). */
function play(game, request, now = new Date()) {
  if (!game) return fail(404, ['Not found.']);
  const { action, payload, user } = request;
  if (action === 'next_question') return nextQuestion(game, user, now);
  if (action === 'answer') return answer(game, user, payload.data, now);
  if (action === 'check') return check(game, user, now);
  return fail(400, ['Invalid Action']);
}

module.exports = { play, usernameOf };
