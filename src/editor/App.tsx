import { ReactFlowProvider } from '@xyflow/react';
import { useEffect } from 'react';
import { installSocketTextColors } from './a11y/socket-style';
import { closeSearch, endWireDrag, openDialog } from './actions';
import { Canvas } from './components/Canvas';
import { Gallery } from './components/Gallery';
import { HelpDialog } from './components/HelpDialog';
import { Inspector } from './components/Inspector';
import { NoticeBar } from './components/NoticeBar';
import { PackDialog } from './components/PackDialog';
import { Palette } from './components/Palette';
import { SaveAsDialog } from './components/SaveAsDialog';
import { TabBar } from './components/TabBar';
import { Toolbar } from './components/Toolbar';
import { startGalleryRecorder } from './gallery/recorder';
import { openShareLink } from './share';
import { handleShortcut } from './shortcuts';
import { editorStore, useEditor } from './store';

installSocketTextColors();

export function App() {
  const ready = useEditor((s) => s.ready);
  const openPanel = useEditor((s) => s.openPanel);
  useEffect(startGalleryRecorder, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        closeSearch();
        // A handle picked up from the keyboard is put down.
        if (editorStore.getState().dragging) endWireDrag();
        if (editorStore.getState().dialog) openDialog(undefined);
        if (editorStore.getState().openPanel) editorStore.setState({ openPanel: undefined });
        return;
      }
      handleShortcut(e);
    };
    const onHash = () => {
      if (openShareLink(location.hash)) history.replaceState(null, '', location.pathname + location.search);
    };
    addEventListener('keydown', onKey);
    addEventListener('hashchange', onHash);
    return () => {
      removeEventListener('keydown', onKey);
      removeEventListener('hashchange', onHash);
    };
  }, []);
  return (
    <ReactFlowProvider>
      <div className="kg-app" data-ready={ready ? 'true' : 'false'}>
        <Toolbar />
        <TabBar />
        <main className="kg-workspace" data-panel={openPanel ?? 'none'}>
          <Palette />
          <Canvas />
          <Inspector />
        </main>
        <NoticeBar />
        <HelpDialog />
        <PackDialog />
        <SaveAsDialog />
        <Gallery />
      </div>
    </ReactFlowProvider>
  );
}
