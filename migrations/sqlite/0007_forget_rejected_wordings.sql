-- A rejected phrasing suggestion is remembered by its id alone (see Store::decide_phrasing):
-- the citizen's wording that earlier versions kept for it, in the decision and in the
-- audit trail, goes.
UPDATE phrasing_decisions SET phrasing = '' WHERE decision <> 'accepted';
UPDATE audit SET detail = NULL WHERE action = 'suggestion.reject';
