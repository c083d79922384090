-- What refreshes that raced before topics took turns (0005) left behind: links whose
-- question or topic is gone, and topics without questions (never shown, and nothing can
-- join them).
DELETE FROM topic_questions
WHERE NOT EXISTS (SELECT 1 FROM questions q WHERE q.record_id = topic_questions.question_id)
   OR NOT EXISTS (SELECT 1 FROM topics t WHERE t.id = topic_questions.topic_id);
DELETE FROM topics
WHERE NOT EXISTS (SELECT 1 FROM topic_questions tq WHERE tq.topic_id = topics.id);
