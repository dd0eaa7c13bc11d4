// Parses a GIFT file with the independent gift-pegjs parser and prints the questions as JSON.
const { parse } = require("gift-pegjs");
const fs = require("fs");
const questions = parse(fs.readFileSync(process.argv[2], "utf8"));
console.log(JSON.stringify(questions.map((q) => ({
  type: q.type,
  title: q.title,
  choices: (Array.isArray(q.choices) ? q.choices : []).map((c) => ({ text: c.text && c.text.text, isCorrect: c.isCorrect, weight: c.weight })),
  matchPairs: (q.matchPairs || []).length,
}))));
