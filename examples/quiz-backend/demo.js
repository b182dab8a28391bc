// A demo game: a two-question quiz waiting for players, owned by `owner` (a username).
'use strict';

function user(username) {
  return { username, email: '', phone: '', last_name: '', first_name: '', patronymic: '', gender: '', birth_date: null, rating: 0 };
}

function demoGame({ id, owner, now = new Date() }) {
  const at = now.toISOString();
  return {
    id,
    quiz: {
      id: 1,
      title: 'European capitals',
      description: 'Do you know the capitals of Europe?',
      user: user(owner),
      tags: ['geography'],
      questions: [
        { id: 1, number: 1, type: 'single', question: 'What is the capital of France?', variants: [{ id: 1, variant: 'Lyon' }, { id: 2, variant: 'Paris' }, { id: 3, variant: 'Marseille' }], answer: [2], timer: '00:00:30', points: 10 },
        { id: 2, number: 2, type: 'multi', question: 'Which of these cities are capitals?', variants: [{ id: 4, variant: 'Berlin' }, { id: 5, variant: 'Munich' }, { id: 6, variant: 'Vienna' }], answer: [4, 6], timer: null, points: 20 },
      ],
      rating: 0,
      version_date: at,
    },
    label: 'Friday quiz',
    user: user(owner),
    players: [],
    group: null,
    online: true,
    state: 'players_waiting',
    current_question: null,
    generated_questions: [],
    timer_on: false,
    timer: null,
    created_at: at,
    updated_at: at,
    state_changed_at: at,
    finished_at: null,
  };
}

module.exports = { demoGame };
